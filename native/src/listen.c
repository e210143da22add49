/* Socket activation calls: listening sockets made without accepting, a readability watch on any fd, fds sent over a Unix datagram socket. */
#include "common.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Fills a sockaddr_un for `path` ('@name' = abstract); false when too long. */
static bool unix_addr(const char *path, struct sockaddr_un *addr, socklen_t *alen) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  size_t plen = strlen(path);
  if (plen == 0 || plen >= sizeof addr->sun_path) return false;
  memcpy(addr->sun_path, path, plen);
  *alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
  if (path[0] == '@') { addr->sun_path[0] = '\0'; *alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen); }
  return true;
}

/*
 * listenSocket(family, address, port, backlog) -> fd. family 'inet' | 'inet6' (address numeric, port 0..65535) or
 * 'unix' (address a path, '@name' abstract; a stale socket file there is removed first, anything else is refused).
 * The fd is blocking (the job accepts on it as it is) and close-on-exec (only spawn's fdMap passes it on).
 */
static napi_value listen_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type(env, "listenSocket(family, address, port, backlog)");
  char *family = arg_string(env, argv[0], "family");
  if (!family) return NULL;
  char *address = arg_string(env, argv[1], "address");
  if (!address) { free(family); return NULL; }
  int32_t port, backlog;
  if (!arg_int32(env, argv[2], "port", &port) || !arg_int32(env, argv[3], "backlog", &backlog)) { free(family); free(address); return NULL; }
  struct sockaddr_storage ss;
  socklen_t alen = 0;
  int domain;
  memset(&ss, 0, sizeof ss);
  napi_value result = NULL;
  if (strcmp(family, "unix") == 0) {
    domain = AF_UNIX;
    if (!unix_addr(address, (struct sockaddr_un *)&ss, &alen)) { result = throw_syscall(env, "bind", ENAMETOOLONG); goto out; }
    struct stat st;
    if (address[0] != '@' && lstat(address, &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) { result = throw_syscall(env, "bind", EEXIST); goto out; }
      unlink(address);
    }
  } else if (strcmp(family, "inet") == 0 || strcmp(family, "inet6") == 0) {
    if (port < 0 || port > 65535) { result = throw_type(env, "port must be 0..65535"); goto out; }
    if (family[4] == '6') {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
      domain = AF_INET6;
      a->sin6_family = AF_INET6;
      a->sin6_port = htons((uint16_t)port);
      if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) { result = throw_syscall(env, "inet_pton", EINVAL); goto out; }
      alen = sizeof *a;
    } else {
      struct sockaddr_in *a = (struct sockaddr_in *)&ss;
      domain = AF_INET;
      a->sin_family = AF_INET;
      a->sin_port = htons((uint16_t)port);
      if (inet_pton(AF_INET, address, &a->sin_addr) != 1) { result = throw_syscall(env, "inet_pton", EINVAL); goto out; }
      alen = sizeof *a;
    }
  } else {
    result = throw_type(env, "family must be 'inet', 'inet6' or 'unix'");
    goto out;
  }
  int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) { result = throw_syscall(env, "socket", errno); goto out; }
  int one = 1;
  if (domain != AF_UNIX) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (domain == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, alen) < 0) { int e = errno; close(fd); result = throw_syscall(env, "bind", e); goto out; }
  if (domain == AF_UNIX && address[0] != '@') chmod(address, 0666);
  if (listen(fd, backlog) < 0) { int e = errno; close(fd); result = throw_syscall(env, "listen", e); goto out; }
  result = make_int(env, fd);
out:
  free(family);
  free(address);
  return result;
}

typedef struct watch {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  bool closing, handle_gone, js_gone;
} watch;

static void watch_closed(uv_handle_t *h) {
  watch *w = h->data;
  w->handle_gone = true;
  if (w->js_gone) free(w);
}

static void watch_start_close(watch *w) {
  if (w->closing) return;
  w->closing = true;
  uv_poll_stop(&w->poll);
  if (w->callback) { napi_delete_reference(w->env, w->callback); w->callback = NULL; }
  napi_async_destroy(w->env, w->async);
  uv_close((uv_handle_t *)&w->poll, watch_closed);
}

static void watch_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  watch *w = data;
  w->js_gone = true;
  if (!w->closing) watch_start_close(w);
  else if (w->handle_gone) free(w);
}

static void watch_ready(uv_poll_t *h, int status, int events) {
  (void)events;
  watch *w = h->data;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arg;
  napi_get_boolean(env, status < 0, &arg);
  call_back(env, w->callback, w->async, arg);
  napi_close_handle_scope(env, scope);
}

static napi_value watch_close(napi_env env, napi_callback_info info) {
  void *data;
  napi_get_cb_info(env, info, NULL, NULL, NULL, &data);
  watch_start_close(data);
  return NULL;
}

static napi_value watch_ref(napi_env env, napi_callback_info info) {
  void *data;
  size_t argc = 1;
  napi_value v;
  bool on = false;
  napi_get_cb_info(env, info, &argc, &v, NULL, &data);
  watch *w = data;
  if (argc < 1 || !arg_bool(env, v, &on)) return NULL;
  if (!w->closing) { if (on) uv_ref((uv_handle_t *)&w->poll); else uv_unref((uv_handle_t *)&w->poll); }
  return NULL;
}

/* watchReadable(fd, callback(error)) -> { close(), ref(on) }: the callback runs while fd is readable (the fd stays the caller's). */
static napi_value watch_readable(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 2) return throw_type(env, "watchReadable(fd, callback)");
  if (!arg_int32(env, argv[0], "fd", &fd)) return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throw_type(env, "callback must be a function");
  watch *w = calloc(1, sizeof *w);
  if (!w) return throw_syscall(env, "calloc", ENOMEM);
  w->env = env;
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  /* uv_poll_init makes the fd non-blocking, which a listening socket's open file description then is for the
   * job it is handed to as well (a plain accept() would fail with EAGAIN): its flags are put back. */
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) { free(w); return throw_syscall(env, "fcntl", errno); }
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc < 0) { free(w); return throw_syscall(env, "uv_poll_init", -rc); }
  if (!(fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl);
  w->poll.data = w;
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_value name;
  napi_create_string_utf8(env, "upstart:watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->async);
  uv_poll_start(&w->poll, UV_READABLE, watch_ready);
  napi_value obj, close_fn, ref_fn;
  napi_create_object(env, &obj);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, watch_close, w, &close_fn);
  napi_create_function(env, "ref", NAPI_AUTO_LENGTH, watch_ref, w, &ref_fn);
  napi_set_named_property(env, obj, "close", close_fn);
  napi_set_named_property(env, obj, "ref", ref_fn);
  napi_add_finalizer(env, obj, w, watch_finalize, NULL, NULL);
  return obj;
}

/* sendDgram(path, buffer, fds) : one datagram to the Unix datagram socket at path, the fds attached (SCM_RIGHTS). */
static napi_value send_dgram(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_type(env, "sendDgram(path, buffer, fds)");
  char *path = arg_string(env, argv[0], "path");
  if (!path) return NULL;
  struct sockaddr_un addr;
  socklen_t alen;
  bool ok = unix_addr(path, &addr, &alen);
  free(path);
  if (!ok) return throw_syscall(env, "sendmsg", ENAMETOOLONG);
  void *buf;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], &buf, &len) != napi_ok) return throw_type(env, "buffer must be a Buffer");
  uint32_t nfds = 0;
  bool is_array = false;
  napi_is_array(env, argv[2], &is_array);
  if (!is_array) return throw_type(env, "fds must be an array");
  napi_get_array_length(env, argv[2], &nfds);
  if (nfds > 16) return throw_type(env, "at most 16 fds");
  int fds[16];
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value e;
    napi_get_element(env, argv[2], i, &e);
    if (!arg_int32(env, e, "fd", &fds[i])) return NULL;
  }
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 16)]; } ctl;
  struct iovec iov = { buf, len };
  struct msghdr msg = { .msg_name = &addr, .msg_namelen = alen, .msg_iov = &iov, .msg_iovlen = 1 };
  if (nfds > 0) {
    memset(&ctl, 0, sizeof ctl);
    msg.msg_control = &ctl;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return throw_syscall(env, "socket", errno);
  ssize_t n;
  do { n = sendmsg(s, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
  int e = errno;
  close(s);
  if (n < 0) return throw_syscall(env, "sendmsg", e);
  return NULL;
}

void register_listen(napi_env env, napi_value exports) {
  set_fn(env, exports, "listenSocket", listen_socket);
  set_fn(env, exports, "watchReadable", watch_readable);
  set_fn(env, exports, "sendDgram", send_dgram);
}
