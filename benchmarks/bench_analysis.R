# R side of benchmarks/bench_analysis.py (run by it):  Rscript benchmarks/bench_analysis.R DIR
#
# Reads DIR/responses.csv and DIR/margins.csv, then times what the Python side does:
# design weights N_h / n_h, rake() to the sex, age group and field margins (tight control),
# and svyby(~item, ~unit_code, svymean, na.rm = TRUE) for every item. svyby runs on the raked
# weights held fixed, the variance our primary SE reports; one svyby per item, because one
# call on all items would drop every row missing any item (complete cases).
# Writes DIR/r_estimates.csv and DIR/r_weights.csv; prints one JSON line of timings.
#
# With PARTS (second argument, "base", "extras" or "base,extras"; default both), "extras" times
# on the raked weights: svyby(~satisfied, ~unit_code, svyratio, denominator = ~valid) (the
# pooled ratio), a delete-a-group jackknife with the 50 groups of the rep_group column
# (svrepdesign type JK1, scale 49/50: the first five items' means overall and by sex), the Rao-Wu
# bootstrap weights (as.svrepdesign type "subbootstrap", 50 replicates) and the joint rank
# intervals of Klein, Wright & Wieczorek (2020), which no R package computes: written out below.
# Writes DIR/r_extras_{ratio,replicates,ranks}.csv.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args)) args[1] else file.path("benchmarks", "out")
parts <- strsplit(if (length(args) > 1) args[2] else "base,extras", ",")[[1]]
elapsed <- function(start) unname((proc.time() - start)["elapsed"])
timings <- list(r_version = R.version.string,
                survey_version = as.character(packageVersion("survey")))

start <- proc.time()
responses <- read.csv(file.path(dir, "responses.csv"),
                      colClasses = c(sex = "character", age_group = "character"))
margins <- read.csv(file.path(dir, "margins.csv"), colClasses = "character")
timings$read_csv <- elapsed(start)
items <- grep("^q", names(responses), value = TRUE)
population <- function(variable) {
  rows <- margins[margins$variable == variable, ]
  table <- data.frame(rows$level, as.numeric(rows$target))
  names(table) <- c(variable, "Freq")
  table
}

start <- proc.time()
responses$design_weight <- responses$transactions / ave(responses$transactions,
                                                        responses$unit_code, FUN = length)
design <- svydesign(ids = ~1, strata = ~unit_code, fpc = ~transactions,
                    weights = ~design_weight, data = responses)
timings$design_weights <- elapsed(start)

start <- proc.time()
raked <- rake(design, list(~sex, ~age_group, ~field),
              list(population("sex"), population("age_group"), population("field")),
              control = list(maxit = 100, epsilon = 1e-10))
timings$rake <- elapsed(start)
responses$weight <- weights(raked)

fixed <- svydesign(ids = ~1, strata = ~unit_code, fpc = ~transactions, weights = ~weight,
                   data = responses)
if ("base" %in% parts) {
  start <- proc.time()
  estimates <- do.call(rbind, lapply(items, function(item) {
    by_commune <- svyby(as.formula(paste0("~", item)), ~unit_code, fixed, svymean,
                        na.rm = TRUE)
    data.frame(unit_code = by_commune$unit_code, variable = item,
               estimate = unname(coef(by_commune)), se = unname(SE(by_commune)))
  }))
  timings$means_by_commune <- elapsed(start)
  write.csv(estimates, file.path(dir, "r_estimates.csv"), row.names = FALSE)
  write.csv(data.frame(weight = responses$weight), file.path(dir, "r_weights.csv"),
            row.names = FALSE)
}

if ("extras" %in% parts) {
  start <- proc.time()
  scores <- as.matrix(responses[, items])
  valid <- rowSums(!is.na(scores))
  fixed <- update(fixed, valid = ifelse(valid == 0, NA, valid),
                  satisfied = ifelse(valid == 0, NA, rowSums(scores >= 4, na.rm = TRUE)))
  pooled <- svyby(~satisfied, ~unit_code, fixed, svyratio, denominator = ~valid, na.rm = TRUE)
  ratio <- data.frame(unit_code = pooled$unit_code, estimate = unname(coef(pooled)),
                      se = unname(SE(pooled)))
  timings$pooled_ratio_by_commune <- elapsed(start)

  start <- proc.time()
  kept <- outer(responses$rep_group, seq_len(50), "!=") * (50 / 49)
  jackknife <- svrepdesign(data = responses, repweights = kept, weights = ~weight,
                           type = "JK1", scale = 49 / 50, combined.weights = FALSE)
  replicated <- do.call(rbind, lapply(head(items, 5), function(item) {
    formula <- as.formula(paste0("~", item))
    overall <- svymean(formula, jackknife, na.rm = TRUE)
    by_sex <- svyby(formula, ~sex, jackknife, svymean, na.rm = TRUE)
    data.frame(sex = c("all", as.character(by_sex$sex)), variable = item,
               estimate = c(unname(coef(overall)), unname(coef(by_sex))),
               se = c(unname(SE(overall)), unname(SE(by_sex))))
  }))
  timings$replicate_se <- elapsed(start)
  rm(jackknife, kept)

  start <- proc.time()
  boot <- as.svrepdesign(fixed, type = "subbootstrap", replicates = 50)
  timings$bootstrap_weights <- elapsed(start)
  rm(boot)

  # Klein, Wright & Wieczorek (2020): Bonferroni simultaneous 90 % intervals, then the counts of
  # units certainly above and certainly below each unit.
  start <- proc.time()
  k <- nrow(ratio)
  q <- qnorm(1 - 0.10 / k / 2)
  low <- ratio$estimate - q * ratio$se
  high <- ratio$estimate + q * ratio$se
  ranks <- data.frame(
    unit_code = ratio$unit_code,
    rank = 1 + sapply(seq_len(k), function(i) sum(ratio$estimate > ratio$estimate[i])),
    rank_low = 1 + sapply(seq_len(k), function(i) sum(low > high[i])),
    rank_high = k - sapply(seq_len(k), function(i) sum(high < low[i])))
  timings$rank_intervals <- elapsed(start)

  write.csv(ratio, file.path(dir, "r_extras_ratio.csv"), row.names = FALSE)
  write.csv(replicated, file.path(dir, "r_extras_replicates.csv"), row.names = FALSE)
  write.csv(ranks, file.path(dir, "r_extras_ranks.csv"), row.names = FALSE)
}
status <- readLines("/proc/self/status")
timings$peak_rss_mb <- as.numeric(gsub("[^0-9]", "", grep("^VmHWM", status, value = TRUE))) / 1024
cat(toJSON(timings, auto_unbox = TRUE, digits = NA), "\n")
