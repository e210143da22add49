/* pty pairs: opening one (pty_stock.c), and the stock of raw ones a thread keeps ready for openpty (pty.c). */
#ifndef PTY_STOCK_H
#define PTY_STOCK_H
#include <stdbool.h>

typedef struct { int master, slave, ptn; } pty_pair;
struct pty_stock;

/* A pair: the master non-blocking, both close-on-exec; raw: the slave's termios made raw. 0, or an errno and the failed call. */
int pty_pair_open(bool raw, pty_pair *out, const char **syscall);
/* The stock and its thread (which starts filling it at once). NULL: out of memory. */
struct pty_stock *pty_stock_new(void);
/* A ready raw pair, if the stock has one (the thread is woken to fill it again). */
bool pty_stock_take(struct pty_stock *s, pty_pair *out);
/* An open on the caller's thread succeeded: a thread that had stopped on a failure tries again. */
void pty_stock_opened(struct pty_stock *s);
/* Stops the thread and closes the pairs not taken. */
void pty_stock_free(struct pty_stock *s);
#endif
