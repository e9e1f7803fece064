/* Formatting doubles so that they read back exactly, in as few digits as that takes. */
#ifndef PLUGBENCH_NUMFMT_H
#define PLUGBENCH_NUMFMT_H

#define PB__NUMBER_CHARS 32

/*
 * Writes v in the shortest of %.15g, %.16g and %.17g that strtod reads back bit for bit
 * (0.1 stays "0.1", 0.1 + 0.2 becomes "0.30000000000000004"). Returns buf.
 */
char *pb__format_double(double v, char buf[PB__NUMBER_CHARS]);

#endif
