/* Unix socket calls: SO_PEERCRED on a connected socket, a bound AF_UNIX datagram socket with a receive callback (or a connected stream read the same way, fds and all), and stream sockets with exact abstract names. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include <unistd.h>

/* peerCred(fd) -> { pid, uid, gid } */
static napi_value peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v;
  int32_t fd;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  if (argc < 1 || !arg_int32(env, v, "fd", &fd)) return argc < 1 ? throw_type(env, "fd is required") : NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return throw_syscall(env, "getsockopt", errno);
  napi_value o;
  napi_create_object(env, &o);
  set_int(env, o, "pid", cred.pid);
  set_int(env, o, "uid", cred.uid);
  set_int(env, o, "gid", cred.gid);
  return o;
}

#define DGRAM_MAX 65536
#define DGRAM_MAX_FDS 16

typedef struct dgram {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int fd;
  bool closing;     /* uv_close started */
  bool handle_gone; /* uv_close finished */
  bool js_gone;     /* the JS close function was collected */
  bool netlink;     /* an AF_NETLINK socket (send goes to the kernel) */
  bool stream;      /* a connected stream: 0 bytes or an error is its end, said once with a null buffer */
  bool ended;       /* stream: the end was said; the poll is stopped */
  bool held;        /* stream: not read while held */
  char buf[DGRAM_MAX];
} dgram;

static void dgram_closed(uv_handle_t *h) {
  dgram *d = h->data;
  close(d->fd);
  d->handle_gone = true;
  if (d->js_gone) free(d);
}

static void dgram_start_close(dgram *d) {
  if (d->closing) return;
  d->closing = true;
  uv_poll_stop(&d->poll);
  if (d->callback) { napi_delete_reference(d->env, d->callback); d->callback = NULL; }
  napi_async_destroy(d->env, d->async);
  uv_close((uv_handle_t *)&d->poll, dgram_closed);
}

static void dgram_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  dgram *d = data;
  d->js_gone = true;
  if (!d->closing) dgram_start_close(d);
  else if (d->handle_gone) free(d);
}

/* Reads what is queued (up to 64 datagrams) into the callback; sync: called from JS (drain), not from the loop. */
static void read_all(dgram *d, bool sync) {
  napi_env env = d->env;
  for (int i = 0; i < 64 && !d->closing; i++) {
    struct iovec iov = { d->buf, sizeof d->buf };
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * DGRAM_MAX_FDS)]; } ctl;
    struct sockaddr_storage from;
    memset(&from, 0, sizeof from);
    struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl };
    if (d->stream && (d->ended || d->held)) break;
    ssize_t n = recvmsg(d->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && d->stream && errno == EINTR) continue;
    if (n < 0 && !(d->stream && errno != EAGAIN && errno != EWOULDBLOCK)) break; /* EAGAIN: drained */
    if (d->stream && n <= 0) {
      /* The peer closed (or the connection failed): said once, with null; nothing more is read. */
      d->ended = true;
      uv_poll_stop(&d->poll);
      napi_handle_scope scope;
      napi_open_handle_scope(env, &scope);
      napi_value argv[2], cb, recv, result;
      napi_get_null(env, &argv[0]);
      napi_create_object(env, &argv[1]);
      if (n < 0) set_int(env, argv[1], "errno", errno);
      napi_get_reference_value(env, d->callback, &cb);
      napi_get_global(env, &recv);
      napi_status rc = sync ? napi_call_function(env, recv, cb, 2, argv, &result) : napi_make_callback(env, d->async, recv, cb, 2, argv, &result);
      if (!sync && rc == napi_pending_exception) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);
      }
      napi_close_handle_scope(env, scope);
      break;
    }
    int64_t pid = -1, uid = -1, gid = -1;
    int fds[DGRAM_MAX_FDS];
    int nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        struct ucred cr;
        memcpy(&cr, CMSG_DATA(c), sizeof cr);
        pid = cr.pid; uid = cr.uid; gid = cr.gid;
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t j = 0; j < k; j++) {
          int f;
          memcpy(&f, CMSG_DATA(c) + j * sizeof(int), sizeof f);
          if (nfds < DGRAM_MAX_FDS) fds[nfds++] = f; else close(f);
        }
      }
    }
    if (d->netlink) pid = ((struct sockaddr_nl *)&from)->nl_pid;
    /* Passed fds that did not fit (MSG_CTRUNC) were closed by the kernel; the callback owns the rest. */
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value argv[2], cb, recv, result, buf;
    void *data;
    napi_create_buffer_copy(env, (size_t)n, d->buf, &data, &buf);
    argv[0] = buf;
    napi_create_object(env, &argv[1]);
    set_int(env, argv[1], "pid", pid);
    set_int(env, argv[1], "uid", uid);
    set_int(env, argv[1], "gid", gid);
    /* fds the sender passed that did not fit were closed by the kernel: the caller cannot match fds to messages any more. */
    if (msg.msg_flags & MSG_CTRUNC) set_int(env, argv[1], "truncated", 1);
    if (nfds > 0) {
      napi_value arr;
      napi_create_array_with_length(env, (size_t)nfds, &arr);
      for (int j = 0; j < nfds; j++) napi_set_element(env, arr, (uint32_t)j, make_int(env, fds[j]));
      napi_set_named_property(env, argv[1], "fds", arr);
    }
    napi_get_reference_value(env, d->callback, &cb);
    napi_get_global(env, &recv);
    napi_status rc = sync ? napi_call_function(env, recv, cb, 2, argv, &result) : napi_make_callback(env, d->async, recv, cb, 2, argv, &result);
    if (sync && rc == napi_pending_exception) { napi_close_handle_scope(env, scope); return; }
    if (rc == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
    napi_close_handle_scope(env, scope);
  }
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  dgram *d = h->data;
  if (status < 0 || d->closing) return;
  read_all(d, false);
}

static napi_value dgram_close(napi_env env, napi_callback_info info) {
  void *data;
  napi_get_cb_info(env, info, NULL, NULL, NULL, &data);
  dgram_start_close(data);
  return NULL;
}

/* drain(): reads what is queued now, synchronously (a datagram sent before a request on another socket is seen first). */
static napi_value dgram_drain(napi_env env, napi_callback_info info) {
  void *data;
  napi_get_cb_info(env, info, NULL, NULL, NULL, &data);
  dgram *d = data;
  if (!d->closing) read_all(d, true);
  return NULL;
}

/* send(buffer): one datagram to the socket's peer (netlink: the kernel). */
static napi_value dgram_send(napi_env env, napi_callback_info info) {
  void *data;
  size_t argc = 1;
  napi_value v;
  napi_get_cb_info(env, info, &argc, &v, NULL, &data);
  dgram *d = data;
  void *buf;
  size_t len;
  if (argc < 1 || napi_get_buffer_info(env, v, &buf, &len) != napi_ok) return throw_type(env, "send(buffer)");
  if (d->closing) return throw_syscall(env, "send", EBADF);
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  ssize_t n = d->netlink ? sendto(d->fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof kernel) : send(d->fd, buf, len, 0);
  if (n < 0) return throw_syscall(env, "send", errno);
  return NULL;
}

static napi_value dgram_ref(napi_env env, napi_callback_info info) {
  void *data;
  size_t argc = 1;
  napi_value v;
  bool on = false;
  napi_get_cb_info(env, info, &argc, &v, NULL, &data);
  dgram *d = data;
  if (argc < 1 || !arg_bool(env, v, &on)) return NULL;
  if (!d->closing) { if (on) uv_ref((uv_handle_t *)&d->poll); else uv_unref((uv_handle_t *)&d->poll); }
  return NULL;
}

/* hold(on): a stream is not read while held (its sender waits in its own socket buffer); hold(false) reads again. */
static napi_value dgram_hold(napi_env env, napi_callback_info info) {
  void *data;
  size_t argc = 1;
  napi_value v;
  bool on = false;
  napi_get_cb_info(env, info, &argc, &v, NULL, &data);
  dgram *d = data;
  if (argc < 1 || !arg_bool(env, v, &on)) return NULL;
  if (d->closing || d->ended || d->held == on) return NULL;
  d->held = on;
  if (on) uv_poll_stop(&d->poll);
  else uv_poll_start(&d->poll, UV_READABLE, on_readable);
  return NULL;
}

static napi_value dgram_wrap_as(napi_env env, int fd, napi_value cb, bool netlink, bool stream);

/* Wraps a bound socket: its datagrams go to `cb`; the object has fd, close(), ref(on), drain() and send(buffer). */
static napi_value dgram_wrap(napi_env env, int fd, napi_value cb, bool netlink) {
  return dgram_wrap_as(env, fd, cb, netlink, false);
}

static napi_value dgram_wrap_as(napi_env env, int fd, napi_value cb, bool netlink, bool stream) {
  dgram *d = calloc(1, sizeof *d);
  if (!d) { close(fd); return throw_syscall(env, "calloc", ENOMEM); }
  d->env = env;
  d->fd = fd;
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init(loop, &d->poll, fd);
  if (rc < 0) { close(fd); free(d); return throw_syscall(env, "uv_poll_init", -rc); }
  d->poll.data = d;
  napi_create_reference(env, cb, 1, &d->callback);
  d->netlink = netlink;
  d->stream = stream;
  napi_value name;
  napi_create_string_utf8(env, "upstart:dgram", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &d->async);
  uv_poll_start(&d->poll, UV_READABLE, on_readable);

  napi_value obj, close_fn, ref_fn, drain_fn, send_fn;
  napi_create_object(env, &obj);
  set_int(env, obj, "fd", fd);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, dgram_close, d, &close_fn);
  napi_create_function(env, "ref", NAPI_AUTO_LENGTH, dgram_ref, d, &ref_fn);
  napi_set_named_property(env, obj, "close", close_fn);
  napi_set_named_property(env, obj, "ref", ref_fn);
  napi_create_function(env, "drain", NAPI_AUTO_LENGTH, dgram_drain, d, &drain_fn);
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, dgram_send, d, &send_fn);
  napi_set_named_property(env, obj, "drain", drain_fn);
  napi_set_named_property(env, obj, "send", send_fn);
  if (stream) {
    napi_value hold_fn;
    napi_create_function(env, "hold", NAPI_AUTO_LENGTH, dgram_hold, d, &hold_fn);
    napi_set_named_property(env, obj, "hold", hold_fn);
  }
  napi_add_finalizer(env, obj, d, dgram_finalize, NULL, NULL);
  return obj;
}

/*
 * readStream(fd, callback(data | null, {fds?, truncated?, errno?})) -> { fd, close(), ref(on), drain(), send(buffer), hold(on) }:
 * reads a connected stream socket with recvmsg from a close-on-exec dup of fd (fd stays the caller's; the
 * dup is closed by close()), so fds passed with its bytes (SCM_RIGHTS) reach the callback, which owns them.
 * The caller must have stopped every other reader of the socket first. null: the peer closed or the read failed.
 */
static napi_value read_stream(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "readStream(fd, callback)");
  int32_t given;
  if (!arg_int32(env, argv[0], "fd", &given)) return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throw_type(env, "callback must be a function");
  int fd = fcntl(given, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return throw_syscall(env, "fcntl", errno);
  return dgram_wrap_as(env, fd, argv[1], false, true);
}


/* openDgramSocket(path | fd, callback(data, {pid, uid, gid})) -> { fd, close(), ref(on) }; '@name' is abstract; an fd is adopted. */
static napi_value open_dgram(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "openDgramSocket(path, callback)");
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throw_type(env, "callback must be a function");
  napi_typeof(env, argv[0], &t);
  int fd = -1;
  if (t == napi_number) {
    /* An fd bound before a re-exec: adopted as it is. */
    int32_t given;
    if (!arg_int32(env, argv[0], "fd", &given)) return NULL;
    int fl = fcntl(given, F_GETFL);
    if (fl < 0) return throw_syscall(env, "fcntl", errno);
    if (fcntl(given, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(given, F_SETFD, FD_CLOEXEC) < 0) return throw_syscall(env, "fcntl", errno);
    fd = given;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  } else {
  char *path = arg_string(env, argv[0], "path");
  if (!path) return NULL;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t plen = strlen(path);
  if (plen == 0 || plen >= sizeof addr.sun_path) { free(path); return throw_syscall(env, "bind", ENAMETOOLONG); }
  memcpy(addr.sun_path, path, plen);
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
  if (path[0] == '@') { addr.sun_path[0] = '\0'; alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen); }
  free(path);

  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_syscall(env, "socket", errno);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&addr, alen) < 0) { int e = errno; close(fd); return throw_syscall(env, "bind", e); }
  }

  return dgram_wrap(env, fd, argv[1], false);
}

/* openNetlinkSocket(protocol, groups, callback(data, {pid})) -> the same object as openDgramSocket; pid 0 is the kernel. */
static napi_value open_netlink(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t proto, groups;
  if (argc < 3) return throw_type(env, "openNetlinkSocket(protocol, groups, callback)");
  if (!arg_int32(env, argv[0], "protocol", &proto) || !arg_int32(env, argv[1], "groups", &groups)) return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[2], &t);
  if (t != napi_function) return throw_type(env, "callback must be a function");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) return throw_syscall(env, "socket", errno);
  struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = (uint32_t)groups };
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { int e = errno; close(fd); return throw_syscall(env, "bind", e); }
  int big = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  return dgram_wrap(env, fd, argv[2], true);
}

/*
 * unixStream(path, listen) -> fd: an AF_UNIX stream socket (non-blocking, close-on-exec) bound and
 * listening at path, or connected to it. '@name' is an abstract name of exactly that length, as
 * libdbus and every C program mean `unix:abstract=name` (Node pads abstract names to 108 bytes).
 */
static napi_value unix_stream(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "unixStream(path, listen)");
  bool listening = false;
  if (!arg_bool(env, argv[1], &listening)) return throw_type(env, "listen must be a boolean");
  char *path = arg_string(env, argv[0], "path");
  if (!path) return NULL;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t plen = strlen(path);
  if (plen == 0 || plen >= sizeof addr.sun_path) { free(path); return throw_syscall(env, listening ? "bind" : "connect", ENAMETOOLONG); }
  memcpy(addr.sun_path, path, plen);
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
  if (path[0] == '@') { addr.sun_path[0] = '\0'; alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen); }
  free(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_syscall(env, "socket", errno);
  if (listening) {
    if (bind(fd, (struct sockaddr *)&addr, alen) < 0 || listen(fd, SOMAXCONN) < 0) { int e = errno; close(fd); return throw_syscall(env, "bind", e); }
  } else {
    /* A Unix stream connect completes at once or fails (a full backlog: EAGAIN); it never waits on the network. */
    if (connect(fd, (struct sockaddr *)&addr, alen) < 0) { int e = errno; close(fd); return throw_syscall(env, "connect", e); }
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) { int e = errno; close(fd); return throw_syscall(env, "fcntl", e); }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

void register_socket(napi_env env, napi_value exports) {
  set_fn(env, exports, "openNetlinkSocket", open_netlink);
  set_fn(env, exports, "unixStream", unix_stream);
  set_fn(env, exports, "peerCred", peer_cred);
  set_fn(env, exports, "openDgramSocket", open_dgram);
  set_fn(env, exports, "readStream", read_stream);
}
