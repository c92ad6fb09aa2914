/* DNS_CHECK target for the LVS lab: a UDP responder on PORT (all addresses) that answers every
 * query with the query itself turned into a reply (QR set) carrying RCODE, or FORMERR (1) when
 * the query is not one well-formed question of class IN (labels of at most 63 bytes ending at
 * the root, then QTYPE and QCLASS, nothing after). No answer records: DNS_CHECK reads only the
 * header. Usage: dnsd PORT RCODE. Built statically by run.sh (busybox has no DNS server). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* 1 when buf[0..len) is a header with QDCOUNT 1 and one well-formed IN question. */
static int well_formed(const unsigned char *buf, size_t len) {
    size_t at = 12;
    if (len < 12 || buf[4] != 0 || buf[5] != 1)
        return 0;
    while (at < len && buf[at] != 0) {
        if (buf[at] > 63)
            return 0;
        at += 1 + buf[at];
    }
    /* the root byte, QTYPE, QCLASS: exactly the rest of the datagram */
    if (at + 5 != len)
        return 0;
    return buf[at + 3] == 0 && buf[at + 4] == 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: dnsd PORT RCODE\n");
        return 2;
    }
    int rcode = atoi(argv[2]) & 0x0f;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[1]));
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bind");
        return 1;
    }
    for (;;) {
        unsigned char buf[1500];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 12)
            continue;
        int rc = well_formed(buf, (size_t)n) ? rcode : 1;
        buf[2] |= 0x80;                              /* QR */
        buf[3] = (unsigned char)(0x80 | rc);         /* RA, RCODE */
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
}
