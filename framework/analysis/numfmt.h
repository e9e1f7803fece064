/*
 * Formatting doubles so that they read back exactly, in as few digits as that takes; and
 * reading the numbers people type, strictly.
 */
#ifndef PLUGBENCH_NUMFMT_H
#define PLUGBENCH_NUMFMT_H

#define PB__NUMBER_CHARS 32

/*
 * Writes v in the shortest of %.15g, %.16g and %.17g that strtod reads back bit for bit
 * (0.1 stays "0.1", 0.1 + 0.2 becomes "0.30000000000000004"). Returns buf.
 */
char *pb__format_double(double v, char buf[PB__NUMBER_CHARS]);

/*
 * Reads the whole of text as a decimal number: an optional sign, digits with an optional
 * fraction (or a fraction alone, ".5"), an optional exponent ("1e-3"). Nothing else: no
 * spaces around it, no hexadecimal ("0x10"), no inf or nan, no value out of the range of
 * a double (over- or underflow). Returns 0 with *out, or -1.
 */
int pb__parse_decimal(const char *text, double *out);

/* The same for an integer: an optional sign and decimal digits only, within long long. */
int pb__parse_integer(const char *text, long long *out);

#endif
