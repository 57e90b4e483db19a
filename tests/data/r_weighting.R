# Reference weights from R's survey package for tests/analysis/test_{weighting,calibration,trimming}.py.
#
# Run from the repository root:   Rscript tests/data/r_weighting.R
# Writes tests/data/apistrat.csv and tests/data/apiclus1.csv (only if absent: the estimation
# tests export the same data with the same call) and tests/data/r_weighting.json (the fixture).
# The pytest suite reads those files and never needs R.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

out_dir <- file.path("tests", "data")
data(api)

export_csv <- function(data, name) {
  path <- file.path(out_dir, name)
  if (!file.exists(path)) write.csv(data, path, row.names = FALSE)
}
export_csv(apistrat, "apistrat.csv")
export_csv(apiclus1, "apiclus1.csv")

# Population margins from apipop (the population the api samples were drawn from).
pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_schwide <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_stype_schwide <- as.data.frame(table(stype = apipop$stype, sch.wide = apipop$sch.wide))
pop_size <- nrow(apipop)
pop_api99 <- sum(apipop$api99)

# Stratified sample: design weights N_h / n_h with N_h = fpc.
dstrat <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)
# One-stage cluster sample, equal weights 757/15.
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)

ps_stype <- postStratify(dclus1, ~stype, pop_stype)
ps_stype_schwide <- postStratify(dclus1, ~stype + sch.wide, pop_stype_schwide)
# maxit/epsilon tightened (defaults: 10 sweeps, epsilon = 1) so R converges to the IPF limit.
raked <- rake(dclus1, list(~stype, ~sch.wide), list(pop_stype, pop_schwide),
              control = list(maxit = 100, epsilon = 1e-12))
cal_totals <- c(`(Intercept)` = pop_size,
                stypeH = pop_stype$Freq[pop_stype$stype == "H"],
                stypeM = pop_stype$Freq[pop_stype$stype == "M"],
                api99 = pop_api99)
calibrated <- calibrate(dclus1, ~stype + api99, cal_totals, calfun = "linear")
trimmed <- trimWeights(calibrated, lower = 30, upper = 40, strict = FALSE)
trimmed_strict <- trimWeights(calibrated, lower = 30, upper = 40, strict = TRUE)

as_counts <- function(table_frame, column) {
  setNames(as.list(table_frame$Freq), as.character(table_frame[[column]]))
}

fixture <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  population = list(
    size = pop_size,
    api99_total = pop_api99,
    stype = as_counts(pop_stype, "stype"),
    sch_wide = as_counts(pop_schwide, "sch.wide"),
    stype_sch_wide = lapply(seq_len(nrow(pop_stype_schwide)), function(i) list(
      stype = as.character(pop_stype_schwide$stype[i]),
      sch_wide = as.character(pop_stype_schwide$sch.wide[i]),
      count = pop_stype_schwide$Freq[i]))
  ),
  weights = list(
    apistrat_design = unname(weights(dstrat)),
    apiclus1_poststratify_stype = unname(weights(ps_stype)),
    apiclus1_poststratify_stype_sch_wide = unname(weights(ps_stype_schwide)),
    apiclus1_rake_stype_sch_wide = unname(weights(raked)),
    apiclus1_calibrate_linear_stype_api99 = unname(weights(calibrated)),
    apiclus1_trim_30_40 = unname(weights(trimmed)),
    apiclus1_trim_30_40_strict = unname(weights(trimmed_strict))
  ),
  parameters = list(
    rake_control = list(maxit = 100, epsilon = 1e-12),
    calibrate_totals = as.list(cal_totals),
    trim = list(lower = 30, upper = 40)
  )
)
write_json(fixture, file.path(out_dir, "r_weighting.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE)
