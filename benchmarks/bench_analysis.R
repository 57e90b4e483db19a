# R side of benchmarks/bench_analysis.py (run by it):  Rscript benchmarks/bench_analysis.R DIR
#
# Reads DIR/responses.csv and DIR/margins.csv, then times what the Python side does:
# design weights N_h / n_h, rake() to the sex, age group and field margins (tight control),
# and svyby(~item, ~unit_code, svymean, na.rm = TRUE) for every item. svyby runs on the raked
# weights held fixed, the variance our primary SE reports; one svyby per item, because one
# call on all items would drop every row missing any item (complete cases).
# Writes DIR/r_estimates.csv and DIR/r_weights.csv; prints one JSON line of timings.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args)) args[1] else file.path("benchmarks", "out")
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

start <- proc.time()
fixed <- svydesign(ids = ~1, strata = ~unit_code, fpc = ~transactions, weights = ~weight,
                   data = responses)
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
status <- readLines("/proc/self/status")
timings$peak_rss_mb <- as.numeric(gsub("[^0-9]", "", grep("^VmHWM", status, value = TRUE))) / 1024
cat(toJSON(timings, auto_unbox = TRUE, digits = NA), "\n")
