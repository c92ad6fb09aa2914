/* The protocol's floor: the system calls any VRRP implementation must make, and nothing else.
 *
 *   floor send IFACES VRIDS SLOTS   a MASTER of IFACES x VRIDS instances: every second, one
 *                                   VRRPv2 advert per instance (sendto on a raw socket per
 *                                   interface), in SLOTS evenly spaced slots, woken by a timerfd;
 *                                   it also listens on each interface as a MASTER must
 *   floor recv IFACES               a BACKUP: reads every advert arriving on its interfaces
 *                                   (epoll + recv until EAGAIN) and checks its checksum
 *
 * Interfaces are enp11s0f0 .. enp11s0f<IFACES-1>, as in netns-bench.sh's scale lab. No
 * configuration, no state machine, no logging: the CPU this costs is the kernel's share of the
 * benchmark's traffic plus a minimum of user space, a lower bound for any daemon in that lab.
 * Written for the benchmark only (netns-bench.sh compiles it with cc); not part of the package.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_IFACES 16
#define VRRP_PROTO 112

static volatile sig_atomic_t stop;
static void on_term(int sig) {
    (void)sig;
    stop = 1;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static uint16_t csum(const uint8_t *p, size_t n) {
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static int open_sock(int k, int join) {
    char name[IFNAMSIZ];
    snprintf(name, sizeof name, "enp11s0f%d", k);
    unsigned idx = if_nametoindex(name);
    if (!idx) die(name);
    int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
    if (fd < 0) die("socket");
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, strlen(name)) < 0) die("SO_BINDTODEVICE");
    struct ip_mreqn m = {.imr_ifindex = (int)idx};
    inet_pton(AF_INET, "224.0.0.18", &m.imr_multiaddr);
    if (join) {
        int off = 0;
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off) < 0) die("IP_MULTICAST_ALL");
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0) die("IP_ADD_MEMBERSHIP");
    } else {
        int ttl = 255, loop = 0;
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) < 0) die("IP_MULTICAST_IF");
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0) die("IP_MULTICAST_TTL");
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) < 0) die("IP_MULTICAST_LOOP");
        int zero = 0; /* a sender needs no receive queue */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof zero);
    }
    return fd;
}

/* Reads whatever is queued on fd; returns how many adverts had a valid checksum. */
static long drain(int fd) {
    uint8_t buf[2048];
    long ok = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return ok;
            die("recv");
        }
        size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
        if ((size_t)n >= ihl + 20 && csum(buf + ihl, (size_t)n - ihl) == 0) ok++;
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: floor send IFACES VRIDS SLOTS | floor recv IFACES\n");
        return 2;
    }
    int send_mode = strcmp(argv[1], "send") == 0;
    int ifaces = atoi(argv[2]);
    if (ifaces < 1 || ifaces > MAX_IFACES) die("IFACES");
    struct sigaction sa = {.sa_handler = on_term}; /* no SA_RESTART: epoll_wait returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    int rx[MAX_IFACES];
    for (int k = 0; k < ifaces; k++) {
        rx[k] = open_sock(k, 1);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)k};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, rx[k], &ev) < 0) die("epoll_ctl");
    }
    int vrids = 0, slots = 1, tx[MAX_IFACES];
    uint8_t(*adv)[20] = NULL;
    int tfd = -1;
    struct timespec next;
    long per_slot_ns = 0;
    if (send_mode) {
        if (argc < 5) die("usage");
        vrids = atoi(argv[3]);
        slots = atoi(argv[4]);
        if (vrids < 1 || vrids > 255 || slots < 1 || slots > 1000) die("VRIDS/SLOTS");
        adv = calloc((size_t)ifaces * (size_t)vrids, sizeof *adv);
        if (!adv) die("calloc");
        for (int k = 0; k < ifaces; k++) {
            tx[k] = open_sock(k, 0);
            for (int v = 1; v <= vrids; v++) {
                uint8_t *a = adv[k * vrids + v - 1];
                a[0] = 0x21, a[1] = (uint8_t)v, a[2] = 100, a[3] = 1, a[4] = 1, a[5] = 1;
                a[8] = 10, a[9] = 10, a[10] = (uint8_t)k, a[11] = (uint8_t)v;
                memcpy(a + 12, "1111", 4);
                uint16_t c = csum(a, 20);
                a[6] = (uint8_t)(c >> 8), a[7] = (uint8_t)c;
            }
        }
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (tfd < 0) die("timerfd_create");
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0xffffffffu};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0) die("epoll_ctl");
        clock_gettime(CLOCK_MONOTONIC, &next);
        per_slot_ns = 1000000000L / slots;
        struct itimerspec its = {.it_value = next};
        timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    }
    struct sockaddr_in group = {.sin_family = AF_INET};
    inet_pton(AF_INET, "224.0.0.18", &group.sin_addr);
    int total = ifaces * vrids, slot = 0;
    long heard = 0;
    while (!stop) {
        struct epoll_event evs[MAX_IFACES + 1];
        int n = epoll_wait(ep, evs, MAX_IFACES + 1, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u32 != 0xffffffffu) {
                heard += drain(rx[evs[i].data.u32]);
                continue;
            }
            uint64_t expirations;
            if (read(tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) die("read timerfd");
            /* Instances [slot * total / slots, (slot + 1) * total / slots) advertise now. */
            for (int j = slot * total / slots; j < (slot + 1) * total / slots; j++) {
                int k = j / vrids;
                if (sendto(tx[k], adv[j], 20, 0, (struct sockaddr *)&group, sizeof group) < 0 && errno != EAGAIN)
                    die("sendto");
            }
            slot = (slot + 1) % slots;
            next.tv_nsec += per_slot_ns;
            while (next.tv_nsec >= 1000000000L) next.tv_nsec -= 1000000000L, next.tv_sec++;
            struct itimerspec its = {.it_value = next};
            timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
        }
    }
    /* What the benchmark checks: a floor that read nothing would prove nothing. */
    fprintf(stderr, "floor %s: %ld valid adverts read\n", argv[1], heard);
    return 0;
}
