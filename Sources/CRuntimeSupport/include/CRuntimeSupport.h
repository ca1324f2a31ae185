#ifndef VIRTKIT_CRUNTIMESUPPORT_H
#define VIRTKIT_CRUNTIMESUPPORT_H

/*
 * The few system calls Swift cannot make directly: ancillary data (SCM_RIGHTS) needs the
 * CMSG_* macros, posix_spawn's closefrom and session flags are GNU extensions, and the
 * tun/bridge ioctls take structures built with macros. Each function does one thing and
 * returns -1 with errno set on failure, as the system calls it wraps.
 */

#include <stddef.h>
#include <sys/types.h>

/* Sends `len` bytes with up to 16 file descriptors attached (SCM_RIGHTS). */
ssize_t vk_send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);

/* Receives into `buf`; descriptors that came along are stored in `fds` (at most `maxfds`,
 * opened close-on-exec) and counted in `*nfds`. */
ssize_t vk_recv_with_fds(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds);

/* Starts `path` in a session of its own with default signal dispositions and an empty
 * signal mask. stdin/stdout/stderr come from the three descriptors given; `pass[i]` becomes
 * descriptor 3+i in the child; every other descriptor is closed. */
int vk_spawn(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd,
             const int *pass, int npass, int new_session, pid_t *pid);

/* Opens (creating if needed) the tap device `name` (a template such as "vnet%d" is allowed);
 * the actual name is written to `actual` (IFNAMSIZ bytes). Returns the descriptor. */
int vk_tap_open(const char *name, char *actual, int vnet_hdr);

/* Brings an interface up or down. */
int vk_link_set_up(const char *ifname, int up);

/* Enslaves `ifname` to the Linux bridge `bridge`. */
int vk_bridge_add_port(const char *bridge, const char *ifname);

/* The size of struct ifreq's name field (IFNAMSIZ). */
int vk_ifnamsiz(void);

#endif
