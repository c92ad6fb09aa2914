/* Benchmark target for the LVS lab: listens on COUNT consecutive TCP ports from FIRST, accepts
 * and closes every connection (one epoll loop, no fork per connection, so the real servers cost
 * the VM little), and writes the running total of accepted connections to FILE every 200 ms.
 * Usage: acceptor FIRST COUNT FILE. Built statically by run.sh when LVS_BENCH=1. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: acceptor FIRST COUNT FILE\n");
        return 2;
    }
    int first = atoi(argv[1]), count = atoi(argv[2]);
    int ep = epoll_create1(0);
    if (ep < 0) { perror("epoll_create1"); return 1; }
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((unsigned short)(first + i));
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 128) < 0) {
            perror("listen");
            return 1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    unsigned long total = 0;
    struct timespec last, now;
    clock_gettime(CLOCK_MONOTONIC, &last);
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, 200);
        for (int i = 0; i < n; i++) {
            int c;
            while ((c = accept(evs[i].data.fd, NULL, NULL)) >= 0) {
                close(c);
                total++;
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >= 200) {
            /* write + rename: the reader never sees a half-written number */
            char tmp[4096];
            snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
            FILE *f = fopen(tmp, "w");
            if (f) {
                fprintf(f, "%lu\n", total);
                fclose(f);
                rename(tmp, argv[3]);
            }
            last = now;
        }
    }
}
