#define _GNU_SOURCE
#include "CRuntimeSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

int vk_spawn(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd,
             const int *pass, int npass, int new_session, pid_t *pid) {
    if (npass < 0 || npass > 64) {
        errno = EINVAL;
        return -1;
    }
    /* Lift every descriptor to be passed above the numbers it will land on, so no dup2
     * below overwrites one that is still to be moved. */
    int lifted[64];
    int lifted_count = 0;
    int rc = -1;
    for (int i = 0; i < npass; i++) {
        lifted[i] = fcntl(pass[i], F_DUPFD_CLOEXEC, 3 + npass + 3);
        if (lifted[i] < 0)
            goto out;
        lifted_count++;
    }
    int std_in = fcntl(in_fd, F_DUPFD_CLOEXEC, 3 + npass + 3);
    int std_out = fcntl(out_fd, F_DUPFD_CLOEXEC, 3 + npass + 3);
    int std_err = fcntl(err_fd, F_DUPFD_CLOEXEC, 3 + npass + 3);
    if (std_in < 0 || std_out < 0 || std_err < 0) {
        if (std_in >= 0) close(std_in);
        if (std_out >= 0) close(std_out);
        if (std_err >= 0) close(std_err);
        goto out;
    }

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&actions, std_in, 0);
    posix_spawn_file_actions_adddup2(&actions, std_out, 1);
    posix_spawn_file_actions_adddup2(&actions, std_err, 2);
    for (int i = 0; i < npass; i++)
        posix_spawn_file_actions_adddup2(&actions, lifted[i], 3 + i);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3 + npass);

    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (new_session)
        flags |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setflags(&attr, flags);

    int err = posix_spawn(pid, path, &actions, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(std_in);
    close(std_out);
    close(std_err);
    if (err != 0) {
        errno = err;
        goto out;
    }
    rc = 0;
out:;
    int saved = errno;
    for (int i = 0; i < lifted_count; i++)
        close(lifted[i]);
    errno = saved;
    return rc;
}
