/* interp — indirect calls: a small stack-machine interpreter whose every
 * instruction is a call through a function pointer (threaded code), running
 * a program that counts Collatz steps, plus a pass of "virtual method"
 * calls over objects with per-type method tables. Both become wasm
 * call_indirect. SIZE = Collatz range upper bound in thousands (default 20). */
#include "bench_common.h"

typedef struct vm vm;
typedef struct insn insn;
typedef const insn *(*handler)(vm *m, const insn *ip);

struct insn {
    handler fn;
    int32_t arg; /* immediate, local index or absolute jump target */
};

struct vm {
    const insn *code;
    int64_t stack[64];
    int sp;
    int64_t locals[8];
};

static const insn *op_push(vm *m, const insn *ip)
{
    m->stack[m->sp++] = ip->arg;
    return ip + 1;
}
static const insn *op_load(vm *m, const insn *ip)
{
    m->stack[m->sp++] = m->locals[ip->arg];
    return ip + 1;
}
static const insn *op_store(vm *m, const insn *ip)
{
    m->locals[ip->arg] = m->stack[--m->sp];
    return ip + 1;
}
static const insn *op_add(vm *m, const insn *ip)
{
    m->sp--;
    m->stack[m->sp - 1] += m->stack[m->sp];
    return ip + 1;
}
static const insn *op_mul(vm *m, const insn *ip)
{
    m->sp--;
    m->stack[m->sp - 1] *= m->stack[m->sp];
    return ip + 1;
}
static const insn *op_shr1(vm *m, const insn *ip)
{
    m->stack[m->sp - 1] >>= 1;
    return ip + 1;
}
static const insn *op_and1(vm *m, const insn *ip)
{
    m->stack[m->sp - 1] &= 1;
    return ip + 1;
}
static const insn *op_lt(vm *m, const insn *ip)
{
    m->sp--;
    m->stack[m->sp - 1] = m->stack[m->sp - 1] < m->stack[m->sp];
    return ip + 1;
}
static const insn *op_jmp(vm *m, const insn *ip) { return m->code + ip->arg; }
static const insn *op_jz(vm *m, const insn *ip) { return m->stack[--m->sp] ? ip + 1 : m->code + ip->arg; }
static const insn *op_halt(vm *m, const insn *ip)
{
    (void)m;
    (void)ip;
    return NULL;
}

enum { PUSH, LOAD, STORE, ADD, MUL, SHR1, AND1, LT, JMP, JZ, HALT, NOPS };

/* Filled at run time so the compiler cannot turn the calls back into
 * direct ones. */
static handler handlers[NOPS];

static void init_handlers(void)
{
    handler h[NOPS] = {op_push, op_load, op_store, op_add, op_mul, op_shr1, op_and1, op_lt, op_jmp, op_jz, op_halt};
    for (int i = 0; i < NOPS; i++)
        handlers[i] = h[i];
}

/* Sum of Collatz steps: locals 0 = i, 1 = limit, 2 = n.
 *   for (i = 1; i < limit; i++) for (n = i; 1 < n; ) n = n & 1 ? 3n + 1 : n >> 1;
 * Jump targets are absolute instruction indexes. */
enum { OUTER = 2, INNER = 8, EVEN = 22, NEXT = 26, END = 31 };
static const int32_t PROGRAM[][2] = {
    {PUSH, 1}, {STORE, 0},                                                                   /* 0: i = 1 */
    {LOAD, 0}, {LOAD, 1},  {LT, 0},    {JZ, END},                                            /* 2: OUTER */
    {LOAD, 0}, {STORE, 2},                                                                   /* 6: n = i */
    {PUSH, 1}, {LOAD, 2},  {LT, 0},    {JZ, NEXT},                                           /* 8: INNER */
    {LOAD, 2}, {AND1, 0},  {JZ, EVEN},                                                       /* 12 */
    {LOAD, 2}, {PUSH, 3},  {MUL, 0},   {PUSH, 1},    {ADD, 0},     {STORE, 2}, {JMP, INNER}, /* 15 */
    {LOAD, 2}, {SHR1, 0},  {STORE, 2}, {JMP, INNER},                                         /* 22: EVEN */
    {LOAD, 0}, {PUSH, 1},  {ADD, 0},   {STORE, 0},   {JMP, OUTER},                           /* 26: NEXT */
    {HALT, 0},                                                                               /* 31: END */
};

/* Returns the number of instructions the little machine executed. */
static int64_t run_collatz(int64_t limit)
{
    enum { LEN = sizeof PROGRAM / sizeof PROGRAM[0] };
    _Static_assert(LEN == END + 1, "labels must match the program");
    insn code[LEN];
    for (int i = 0; i < LEN; i++)
        code[i] = (insn){handlers[PROGRAM[i][0]], PROGRAM[i][1]};
    vm m = {.code = code, .sp = 0};
    m.locals[1] = limit;
    int64_t executed = 0;
    for (const insn *ip = code; ip; executed++)
        ip = ip->fn(&m, ip);
    return executed;
}

/* Virtual-call-like dispatch: shapes with per-type method tables. */
typedef struct shape shape;
typedef struct {
    int64_t (*area)(const shape *);
    int64_t (*perimeter)(const shape *);
    void (*grow)(shape *, int64_t);
} shape_vtable;

struct shape {
    const shape_vtable *vt;
    int64_t a, b;
};

static int64_t rect_area(const shape *s) { return s->a * s->b; }
static int64_t rect_perim(const shape *s) { return 2 * (s->a + s->b); }
static void rect_grow(shape *s, int64_t d)
{
    s->a = (s->a + d) & 1023;
    s->b = (s->b + 2 * d) & 1023;
}
static int64_t tri_area(const shape *s) { return s->a * s->b / 2; }
static int64_t tri_perim(const shape *s) { return s->a + s->b + (s->a > s->b ? s->a : s->b); }
static void tri_grow(shape *s, int64_t d)
{
    s->a = (s->a * 3 + d) & 1023;
    s->b = (s->b + d) & 1023;
}
static int64_t sq_area(const shape *s) { return s->a * s->a; }
static int64_t sq_perim(const shape *s) { return 4 * s->a; }
static void sq_grow(shape *s, int64_t d) { s->a = (s->a ^ d) & 1023; }

static shape_vtable vtables[3];

static uint64_t run_shapes(long rounds)
{
    shape_vtable v[3] = {
        {rect_area, rect_perim, rect_grow}, {tri_area, tri_perim, tri_grow}, {sq_area, sq_perim, sq_grow}};
    for (int i = 0; i < 3; i++)
        vtables[i] = v[i];
    enum { COUNT = 1024 };
    static shape shapes[COUNT];
    bench_rng rng = {99};
    for (int i = 0; i < COUNT; i++) {
        uint64_t r = bench_rand(&rng);
        shapes[i] = (shape){&vtables[r % 3], (int64_t)(r >> 8) & 1023, (int64_t)(r >> 20) & 1023};
    }
    uint64_t h = 0;
    for (long r = 0; r < rounds; r++) {
        int64_t sum = 0;
        for (int i = 0; i < COUNT; i++) {
            shape *s = &shapes[i];
            sum += s->vt->area(s) - s->vt->perimeter(s);
            s->vt->grow(s, r + i);
        }
        h = bench_mix(h, (uint64_t)sum);
    }
    return h;
}

int main(int argc, char **argv)
{
    long k = bench_size(argc, argv, 20);
    init_handlers();
    int64_t steps = run_collatz(k * 1000);
    uint64_t h = bench_mix((uint64_t)steps, run_shapes(k * 100));
    bench_report("interp", k, h);
    return 0;
}
