# Reference numbers from R's survey package for issue 13's additions: ratio estimators, both
# design effects, totals of a factor, weighted tables, the pooled SIPAS ratio, rake() against
# calibrate(calfun = "raking"), and replicate-weight variance (JK1, JKn, Rao-Wu bootstrap).
#
# Run from the repository root:   Rscript tests/data/r_extensions.R
# Reads tests/data/{apistrat,apiclus1,sipas_synthetic}.csv (written by r_estimation.R) and
# writes tests/data/r_extensions.json; the pytest suite reads that file and never needs R.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

out_dir <- file.path("tests", "data")
data(api)
apistrat <- read.csv(file.path(out_dir, "apistrat.csv"))
apiclus1 <- read.csv(file.path(out_dir, "apiclus1.csv"))
sipas <- read.csv(file.path(out_dir, "sipas_synthetic.csv"), colClasses = c(sex = "character"))
for (name in c("stype", "sch.wide", "awards")) {
  apistrat[[name]] <- factor(apistrat[[name]])
  apiclus1[[name]] <- factor(apiclus1[[name]])
}

stat <- function(x) list(estimate = unname(coef(x)), se = unname(as.vector(SE(x))))
with_deff <- function(x) c(stat(x), list(deff = unname(diag(as.matrix(attr(x, "deff"))))))
ratio <- function(x) list(estimate = unname(as.vector(coef(x))),
                          se = unname(as.vector(SE(x))),
                          deff = unname(as.vector(attr(x, "deff"))))
by_table <- function(x, by) list(domain = as.character(x[[by]]), estimate = unname(coef(x)),
                                 se = unname(as.vector(SE(x))))

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)

# --- 1. ratio estimators ------------------------------------------------------------------
ratios <- list(
  strat_api00_api99 = ratio(svyratio(~api00, ~api99, dstrat, deff = TRUE)),
  strat_api00_api99_replace = ratio(svyratio(~api00, ~api99, dstrat, deff = "replace")),
  strat_acs_k3_acs_46 = ratio(svyratio(~acs.k3, ~acs.46, dstrat, na.rm = TRUE, deff = TRUE)),
  clus_enroll_api_stu = ratio(svyratio(~enroll, ~api.stu, dclus1, deff = TRUE)),
  strat_by_awards = by_table(svyby(~api00, ~awards, dstrat, svyratio, denominator = ~api99),
                             "awards"),
  clus_by_stype = by_table(svyby(~enroll, ~stype, dclus1, svyratio, denominator = ~api.stu),
                           "stype")
)

# --- 2. both design effects -----------------------------------------------------------------
deffs <- list(
  strat_mean_api00 = with_deff(svymean(~api00, dstrat, deff = "replace")),
  strat_mean_acs_k3 = with_deff(svymean(~acs.k3, dstrat, na.rm = TRUE, deff = "replace")),
  strat_total_enroll = with_deff(svytotal(~enroll, dstrat, deff = "replace")),
  clus_mean_api00 = with_deff(svymean(~api00, dclus1, deff = "replace"))
)

# --- 3. totals of a factor, weighted tables --------------------------------------------------
totals <- list(
  strat_stype = c(list(level = c("E", "H", "M")), with_deff(svytotal(~stype, dstrat, deff = TRUE))),
  clus_sch_wide = c(list(level = c("No", "Yes")), stat(svytotal(~sch.wide, dclus1))),
  strat_by_awards_sch_wide = {
    x <- svyby(~sch.wide, ~awards, dstrat, svytotal)
    list(domain = as.character(x$awards), yes = unname(x[["sch.wideYes"]]),
         se_yes = unname(SE(x)[, 2]))
  }
)
strat_table <- as.data.frame(svytable(~stype + sch.wide, dstrat))
clus_table <- as.data.frame(svytable(~stype, dclus1, Ntotal = 1000))
tables <- list(
  strat_stype_sch_wide = list(stype = as.character(strat_table$stype),
                              sch_wide = as.character(strat_table$sch.wide),
                              count = strat_table$Freq),
  clus_stype_ntotal_1000 = list(stype = as.character(clus_table$stype), count = clus_table$Freq)
)

# --- 1. the pooled SIPAS ratio: all satisfied answers over all valid answers ----------------
items <- c("access_1", "access_2", "procedures_1", "procedures_2", "procedures_3",
           "civil_servants_1", "civil_servants_2")
scores <- as.matrix(sipas[, items])
valid <- rowSums(!is.na(scores))
sipas$valid_count <- ifelse(valid == 0, NA, valid)
sipas$satisfied_count <- ifelse(valid == 0, NA, rowSums(scores >= 4, na.rm = TRUE))
dsipas <- svydesign(id = ~1, strata = ~commune, weights = ~weight, fpc = ~transactions,
                    data = sipas)
pooled_by <- svyby(~satisfied_count, ~commune, dsipas, svyratio, denominator = ~valid_count,
                   na.rm = TRUE)
pooled <- list(
  overall = ratio(svyratio(~satisfied_count, ~valid_count, dsipas, na.rm = TRUE, deff = TRUE)),
  by_commune = by_table(pooled_by, "commune")
)

# --- 5. rake() against calibrate(calfun = "raking") when base weights vary within margins ---
# apistrat's weights differ by school type (the strata); the margins (sch.wide, awards) cut
# across the strata, so the base weights are not constant within the raking margins.
pop_schwide <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_awards <- as.data.frame(table(awards = apipop$awards))
raked <- rake(dstrat, list(~sch.wide, ~awards), list(pop_schwide, pop_awards),
              control = list(maxit = 100, epsilon = 1e-12))
cal_raking <- calibrate(dstrat, ~sch.wide + awards,
                        c(`(Intercept)` = nrow(apipop), sch.wideYes = sum(apipop$sch.wide == "Yes"),
                          awardsYes = sum(apipop$awards == "Yes")),
                        calfun = "raking", epsilon = 1e-12, maxit = 200)
raking <- list(
  population = list(sch_wide = setNames(as.list(pop_schwide$Freq), as.character(pop_schwide$sch.wide)),
                    awards = setNames(as.list(pop_awards$Freq), as.character(pop_awards$awards))),
  rake_weights = unname(weights(raked)),
  calibrate_weights = unname(weights(cal_raking)),
  rake_mean_api00 = stat(svymean(~api00, raked)),
  calibrate_mean_api00 = stat(svymean(~api00, cal_raking)),
  rake_total_enroll = stat(svytotal(~enroll, raked)),
  calibrate_total_enroll = stat(svytotal(~enroll, cal_raking))
)

# --- 9. replicate weights ---------------------------------------------------------------------
jkn <- as.svrepdesign(dstrat, type = "JKn")
jk1 <- as.svrepdesign(dclus1, type = "JK1")
set.seed(20240613)
boot <- as.svrepdesign(dstrat, type = "subbootstrap", replicates = 50)
boot_mse <- boot
boot_mse$mse <- TRUE  # the same replicates, centred at the full-sample estimate
replicates <- list(
  jkn_mean_api00 = stat(svymean(~api00, jkn)),
  jkn_total_enroll = stat(svytotal(~enroll, jkn)),
  jkn_mean_acs_k3 = stat(svymean(~acs.k3, jkn, na.rm = TRUE)),
  jkn_ratio_api00_api99 = stat(svyratio(~api00, ~api99, jkn)),
  jkn_by_awards_mean_api00 = by_table(svyby(~api00, ~awards, jkn, svymean), "awards"),
  jkn_scale = jkn$scale, jkn_rscales = unname(jkn$rscales),
  jk1_mean_api00 = stat(svymean(~api00, jk1)),
  jk1_total_enroll = stat(svytotal(~enroll, jk1)),
  jk1_weights = unname(weights(jk1, "analysis")),
  jk1_scale = jk1$scale,
  boot_weights = unname(weights(boot, "analysis")),
  boot_scale = boot$scale,
  boot_mean_api00 = stat(svymean(~api00, boot)),
  boot_total_enroll = stat(svytotal(~enroll, boot)),
  boot_by_awards_mean_api00 = by_table(svyby(~api00, ~awards, boot, svymean), "awards"),
  boot_mse_mean_api00 = stat(svymean(~api00, boot_mse))
)

fixture <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  ratios = ratios, deffs = deffs, totals = totals, tables = tables, pooled = pooled,
  raking = raking, replicates = replicates
)
write_json(fixture, file.path(out_dir, "r_extensions.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE)
