#!/bin/sh
# Writes eustocks.csv: R's EuStockMarkets (package datasets of r-base-core) as CSV, run once.
# Needs Rscript (Debian: apt-get install -y --no-install-recommends r-base-core).
# Columns: the four indices' closing prices as R holds them, then the trading day (1..1860),
# which the data set loader reads as the integer last column. C locale, '\n' line ends.
set -eu
cd "$(dirname "$0")"
LC_ALL=C Rscript --vanilla -e '
x <- EuStockMarkets
stopifnot(identical(dim(x), c(1860L, 4L)), identical(colnames(x), c("DAX", "SMI", "CAC", "FTSE")))
d <- data.frame(x, day = seq_len(nrow(x)))
write.table(format(d, digits = 15, trim = TRUE), "eustocks.csv", sep = ",", quote = FALSE,
            row.names = FALSE, eol = "\n")
'
