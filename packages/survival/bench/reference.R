# Timings of R's survival on the benchmark's data (written by bench/index.mjs). Prints one JSON line.
#   Rscript bench/reference.R DIR
suppressMessages(library(survival))
dir <- commandArgs(trailingOnly = TRUE)[1]
h <- read.csv(file.path(dir, "harrell.csv"))
cx <- read.csv(file.path(dir, "cox.csv"))
best <- function(expr_fn, reps = 3) {
  wall <- numeric(reps)
  cpu <- numeric(reps)
  for (r in seq_len(reps)) {
    st <- system.time(value <- expr_fn())
    wall[r] <- st[["elapsed"]]
    cpu[r] <- st[["user.self"]] + st[["sys.self"]]
  }
  list(seconds = min(wall), cpu = min(cpu), value = value)
}
conc <- best(function() concordance(Surv(time, event) ~ risk, data = h, reverse = TRUE)$concordance)
fit <- best(function() coef(coxph(Surv(time, event) ~ ., data = cx, ties = "efron")), reps = 2)
cat(sprintf('{"concordance_s":%.6f,"concordance_cpu_s":%.6f,"concordance":%.17g,"coxph_s":%.6f,"coxph_cpu_s":%.6f,"coef":[%s],"version":"%s"}\n',
  conc$seconds, conc$cpu, conc$value, fit$seconds, fit$cpu, paste(sprintf("%.17g", fit$value), collapse = ","),
  as.character(packageVersion("survival"))))
