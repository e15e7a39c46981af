/* LD_PRELOAD shim for the Wakaama examples (build.sh compiles it into build/libloopback.so).
 *
 * Wakaama's example programs open their UDP socket with getaddrinfo(NULL, port, AI_PASSIVE),
 * i.e. on the wildcard address 0.0.0.0. A harness trial gives each DUT a loopback address of its
 * own (127.x.y.z, port 5683), and many trials run at once, so a wildcard bind would both collide
 * with the other trials and listen off loopback. This shim rewrites bind() to the IPv4 wildcard
 * into a bind to $WAKAAMA_BIND_HOST (default 127.0.0.1), keeping the port. It refuses (EACCES) an
 * address outside 127.0.0.0/8 and IPv6 binds (the launchers always pass -4).
 *
 * With $WAKAAMA_SIGTERM_LINE set (e.g. "quit"), SIGTERM writes that line into the program's own
 * standard input (a pipe the harness holds open, reopened through /proc/self/fd/0), as if typed:
 * the example client's `quit` command De-registers before exiting, while its default SIGTERM
 * action would end it silently. Only open() and write() run in the handler. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    static bind_fn real_bind;
    if (!real_bind)
        real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
    if (addr && addr->sa_family == AF_INET6) {
        errno = EACCES;
        return -1;
    }
    if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, addr, sizeof sin);
        if (sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
            const char *host = getenv("WAKAAMA_BIND_HOST");
            if (!host || !*host)
                host = "127.0.0.1";
            if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
                errno = EINVAL;
                return -1;
            }
        }
        if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
            errno = EACCES;
            return -1;
        }
        return real_bind(fd, (const struct sockaddr *)&sin, sizeof sin);
    }
    return real_bind(fd, addr, len);
}

static char sigterm_line[64];
static size_t sigterm_len;

static void on_sigterm(int sig)
{
    (void)sig;
    int saved = errno;
    int fd = open("/proc/self/fd/0", O_WRONLY | O_NONBLOCK);
    if (fd >= 0) {
        ssize_t n = write(fd, sigterm_line, sigterm_len);
        (void)n;
        close(fd);
    }
    errno = saved;
}

__attribute__((constructor)) static void install_sigterm_line(void)
{
    const char *line = getenv("WAKAAMA_SIGTERM_LINE");
    if (!line || !*line || strlen(line) + 2 > sizeof sigterm_line)
        return;
    sigterm_len = (size_t)snprintf(sigterm_line, sizeof sigterm_line, "%s\n", line);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
}
