#!/bin/bash
# MISC_CHECK script: exits with the number stored in the flag file $1, or 1 (failure) when the
# file is missing. With misc_dynamic, 2..255 mean "healthy, weight = code - 2".
[ -r "$1" ] || exit 1
read -r code <"$1"
exit "${code:-1}"
