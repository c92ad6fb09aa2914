#!/bin/sh
# Minimal SMTP responder for SMTP_CHECK (run per connection by `busybox nc -ll -e`): greets with
# 220, answers HELO/EHLO with 250 and QUIT with 221, anything else with 250. busybox sh, not
# bash: under TCG bash's start-up alone can approach a 1 s connect_timeout.
printf '220 rs.lvslab ESMTP lab\r\n'
while read -r line; do
    case $line in
    [Hh][Ee][Ll][Oo]* | [Ee][Hh][Ll][Oo]*) printf '250 rs.lvslab\r\n' ;;
    [Qq][Uu][Ii][Tt]*)
        printf '221 rs.lvslab closing\r\n'
        exit 0
        ;;
    *) printf '250 ok\r\n' ;;
    esac
done
