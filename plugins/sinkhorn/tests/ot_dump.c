/*
 * For the POT comparison (test_pot.py): ot_dump SINKHORN.so PROBLEM_ID OUT.bin runs the
 * log-domain sinkhorn plugin to a marginal error of 1e-15 (lagged row check) and writes, as
 * little-endian float64: n, m, eta, C (row-major), r, c, the potentials f (n) and g (m), then
 * the host's metrics (marginal error, transport cost, primal, dual).
 */
#include "ot_run.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ot_dump SINKHORN.so PROBLEM_ID OUT.bin\n");
        return 2;
    }
    const char *set[] = {"form=log", "tol=1e-15"};
    ot_result res = ot_run(argv[1], argv[2], set, 2, 1000000);
    pb__problem *base;
    char err[256] = "";
    if (!res.ok || pb__problem_open(argv[2], &base, err, sizeof err) != 0) {
        fprintf(stderr, "ot_dump: %s\n", res.ok ? err : res.error);
        return 1;
    }
    const pb__ot_problem *p = (const pb__ot_problem *)base;
    size_t nm = (size_t)p->n * p->m;
    double head[3] = {p->n, p->m, p->eta};
    FILE *f = fopen(argv[3], "wb");
    int ok = f && fwrite(head, sizeof(double), 3, f) == 3 && fwrite(p->cost, sizeof(double), nm, f) == nm &&
             fwrite(p->r, sizeof(double), p->n, f) == p->n && fwrite(p->c, sizeof(double), p->m, f) == p->m &&
             fwrite(res.fg, sizeof(double), p->n + p->m, f) == p->n + p->m &&
             fwrite(res.metrics, sizeof(double), 4, f) == 4;
    if (f)
        ok &= fclose(f) == 0;
    printf("ot_dump: %s, %llu iterations, marginal error %.3g\n", argv[2],
           (unsigned long long)res.steps, res.metrics[0]);
    free(res.fg);
    pb__problem_close(base);
    return ok ? 0 : 1;
}
