/* posix_spawn, with stdin fed and stdout/stderr collected through one poll loop. */
#include "subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct sink {
	char *buf;
	size_t len, cap, max;
	int truncated;
};

static int sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n > s->max) {
		s->truncated = 1;
		n = s->max - s->len;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *b;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (!(b = realloc(s->buf, cap)))
			return -ENOMEM;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child's three pipes as kmend sees them; -1 once closed. */
struct pipes {
	int in, out, err;
	const char *input;
	size_t input_len, fed;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* One poll round: feed stdin, drain what stdout and stderr have. 0, -ETIMEDOUT or -errno. */
static int pump_once(struct pipes *pp, struct sink *so, struct sink *se, long long deadline)
{
	struct pollfd p[3] = {{.fd = pp->out, .events = POLLIN},
	                      {.fd = pp->err, .events = POLLIN},
	                      {.fd = pp->in, .events = POLLOUT}};
	char buf[65536];
	int wait = -1;

	if (deadline) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		wait = (int)left;
	}
	if (poll(p, 3, wait) < 0)
		return errno == EINTR ? 0 : -errno;
	if (pp->in >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t n = write(pp->in, pp->input + pp->fed, pp->input_len - pp->fed);
		if (n > 0)
			pp->fed += (size_t)n;
		if ((n < 0 && errno != EINTR && errno != EAGAIN) || pp->fed == pp->input_len)
			close_fd(&pp->in);
	}
	for (int i = 0; i < 2; i++) {
		int *fd = i ? &pp->err : &pp->out;
		ssize_t n;
		if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(*fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			close_fd(fd);
		else if (sink_add(i ? se : so, buf, (size_t)n) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Feed stdin, drain stdout and stderr until both close; closes all three pipes. */
static int pump(struct pipes *pp, struct sink *so, struct sink *se, int timeout_ms)
{
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	int r = 0;

	while (r == 0 && (pp->out >= 0 || pp->err >= 0))
		r = pump_once(pp, so, se, deadline);
	close_fd(&pp->in);
	close_fd(&pp->out);
	close_fd(&pp->err);
	return r;
}

int kmend_spawn_run(const struct kmend_spawn *sp, struct kmend_spawn_result *res,
                    struct kmend_error *err)
{
	size_t max = sp->max_output ? sp->max_output : 1024 * 1024;
	struct sink so = {.max = max}, se = {.max = max};
	int pin[2] = {-1, -1}, pout[2], perr[2], status, r = 0;
	posix_spawn_file_actions_t fa;
	struct pipes pp;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(pout, O_CLOEXEC) < 0)
		return kmend_error_set(err, -errno, sp->argv[0], 0, "pipe: %s", strerror(errno));
	if (pipe2(perr, O_CLOEXEC) < 0 || (sp->input && pipe2(pin, O_CLOEXEC) < 0)) {
		r = -errno;
		close(pout[0]);
		close(pout[1]);
		return kmend_error_set(err, r, sp->argv[0], 0, "pipe: %s", strerror(-r));
	}
	/* Non-blocking, so that feeding a child that is busy writing never deadlocks with it. */
	if (sp->input)
		fcntl(pin[1], F_SETFL, O_NONBLOCK);
	posix_spawn_file_actions_init(&fa);
	if (sp->input)
		posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	if (sp->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, sp->cwd);
	r = posix_spawnp(&pid, sp->argv[0], &fa, NULL, (char *const *)sp->argv,
	                 sp->env ? (char *const *)sp->env : environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pout[1]);
	close(perr[1]);
	if (sp->input)
		close(pin[0]);
	if (r != 0) {
		close(pout[0]);
		close(perr[0]);
		if (sp->input)
			close(pin[1]);
		return kmend_error_set(err, -r, sp->argv[0], 0, "cannot run: %s%s", strerror(r),
		                       r == ENOENT ? " (is it installed and on PATH?)" : "");
	}
	/* A child that stops reading its stdin must not kill kmend with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	pp = (struct pipes){.in = sp->input ? pin[1] : -1,
	                    .out = pout[0],
	                    .err = perr[0],
	                    .input = sp->input,
	                    .input_len = sp->input_len};
	r = pump(&pp, &so, &se, sp->timeout_ms);
	if (r < 0) {
		kill(pid, SIGKILL);
		res->timed_out = r == -ETIMEDOUT;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0 && r != -ETIMEDOUT) {
		free(so.buf);
		free(se.buf);
		return kmend_error_set(err, r, sp->argv[0], 0, "%s", strerror(-r));
	}
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if ((!so.buf && sink_add(&so, "", 0) < 0) || (!se.buf && sink_add(&se, "", 0) < 0)) {
		free(so.buf);
		free(se.buf);
		return kmend_error_set(err, -ENOMEM, sp->argv[0], 0, "out of memory");
	}
	res->out = so.buf;
	res->out_len = so.len;
	res->out_truncated = so.truncated;
	res->errout = se.buf;
	res->err_len = se.len;
	res->err_truncated = se.truncated;
	return 0;
}

void kmend_spawn_result_free(struct kmend_spawn_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->errout);
	memset(res, 0, sizeof(*res));
}

const char *kmend_last_lines(const char *text, size_t len, int n)
{
	const char *p = text + len;

	while (p > text && (p[-1] == '\n' || p[-1] == '\r'))
		p--;
	while (p > text) {
		if (p[-1] == '\n' && --n == 0)
			break;
		p--;
	}
	return p;
}
