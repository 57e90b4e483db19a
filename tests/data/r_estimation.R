# Reference estimates from R's survey package for tests/analysis/test_{estimation,intervals,
# domains,sipas}.py.
#
# Run from the repository root:   Rscript tests/data/r_estimation.R
# Writes tests/data/apistrat.csv and tests/data/apiclus1.csv (only if absent: the weighting
# fixture exports the same data with the same call), tests/data/sipas_synthetic.csv (simulated
# SIPAS answers, seeded) and tests/data/r_estimation.json (the fixture). The pytest suite reads
# those files and never needs R.
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

# --- helpers: svystat / svyby objects -> plain lists -------------------------------------
stat <- function(x, deff = FALSE) {
  out <- list(estimate = unname(coef(x)), se = unname(as.vector(SE(x))))
  if (deff) out$deff <- unname(diag(as.matrix(attr(x, "deff"))))
  out
}
by_table <- function(x, by, deff = FALSE) {
  out <- list(domain = as.character(x[[by]]), estimate = unname(coef(x)),
              se = unname(as.vector(SE(x))))
  if (deff) out$deff <- unname(deff(x))
  out
}
intervals <- function(x, df) {
  normal <- confint(x)
  student <- confint(x, df = df)
  list(normal_low = unname(normal[, 1]), normal_high = unname(normal[, 2]),
       t_low = unname(student[, 1]), t_high = unname(student[, 2]))
}
ciprop <- function(x) {
  list(estimate = unname(as.vector(x)), ci_low = unname(attr(x, "ci")[1]),
       ci_high = unname(attr(x, "ci")[2]))
}
by_ciprop <- function(x, by) {
  list(domain = as.character(x[[by]]), estimate = unname(coef(x)),
       ci_low = unname(x$ci_l), ci_high = unname(x$ci_u))
}

# --- stratified element sample, FPC: apistrat ----------------------------------------------
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
strat_mean_api00 <- svymean(~api00, dstrat, deff = TRUE)
strat <- list(
  degf = degf(dstrat),
  mean_api00 = c(stat(strat_mean_api00, deff = TRUE), intervals(strat_mean_api00, degf(dstrat))),
  mean_acs_k3 = stat(svymean(~acs.k3, dstrat, na.rm = TRUE, deff = TRUE), deff = TRUE),
  total_enroll = stat(svytotal(~enroll, dstrat, deff = TRUE), deff = TRUE),
  total_acs_46 = stat(svytotal(~acs.46, dstrat, na.rm = TRUE, deff = TRUE), deff = TRUE),
  prop_sch_wide = c(list(level = c("No", "Yes")),
                    stat(svymean(~sch.wide, dstrat, deff = TRUE), deff = TRUE)),
  ciprop_sch_wide = ciprop(svyciprop(~I(sch.wide == "Yes"), dstrat, method = "logit")),
  # svyciprop drops the NA rows (and their PSUs) from degf: give the full design's degf.
  ciprop_acs_k3_20 = ciprop(svyciprop(~I(acs.k3 >= 20), dstrat, method = "logit",
                                      df = degf(dstrat))),
  by_awards_mean_api00 = by_table(svyby(~api00, ~awards, dstrat, svymean, deff = TRUE),
                                  "awards", deff = TRUE),
  by_awards_mean_acs_k3 = by_table(svyby(~acs.k3, ~awards, dstrat, svymean, na.rm = TRUE,
                                         deff = TRUE), "awards", deff = TRUE),
  by_awards_total_enroll = by_table(svyby(~enroll, ~awards, dstrat, svytotal, deff = TRUE),
                                    "awards", deff = TRUE),
  by_cname_mean_api00 = by_table(svyby(~api00, ~cname, dstrat, svymean), "cname"),
  by_awards_ciprop_api00_700 = by_ciprop(svyby(~I(api00 >= 700), ~awards, dstrat, svyciprop,
                                               method = "logit", df = degf(dstrat),
                                               vartype = "ci"), "awards")
)

# --- one-stage cluster sample: apiclus1 -----------------------------------------------------
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
clus_mean_api00 <- svymean(~api00, dclus1, deff = TRUE)
clus_by_stype <- svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)
clus <- list(
  degf = degf(dclus1),
  mean_api00 = c(stat(clus_mean_api00, deff = TRUE), intervals(clus_mean_api00, degf(dclus1))),
  mean_avg_ed = stat(svymean(~avg.ed, dclus1, na.rm = TRUE, deff = TRUE), deff = TRUE),
  total_enroll = stat(svytotal(~enroll, dclus1, deff = TRUE), deff = TRUE),
  prop_stype = c(list(level = c("E", "H", "M")),
                 stat(svymean(~stype, dclus1, deff = TRUE), deff = TRUE)),
  ciprop_sch_wide = ciprop(svyciprop(~I(sch.wide == "Yes"), dclus1, method = "logit")),
  by_stype_mean_api00 = c(by_table(clus_by_stype, "stype", deff = TRUE),
                          intervals(clus_by_stype, degf(dclus1))),
  by_stype_mean_avg_ed = by_table(svyby(~avg.ed, ~stype, dclus1, svymean, na.rm = TRUE,
                                        deff = TRUE), "stype", deff = TRUE),
  by_stype_total_enroll = by_table(svyby(~enroll, ~stype, dclus1, svytotal), "stype")
)

# --- stratified one-stage cluster sample, no FPC: apiclus1 split into two strata ------------
apiclus1$half <- ifelse(apiclus1$dnum < 400, "low", "high")
dclus1s <- svydesign(id = ~dnum, strata = ~half, weights = ~pw, data = apiclus1, nest = TRUE)
clus_strat <- list(
  degf = degf(dclus1s),
  mean_api00 = stat(svymean(~api00, dclus1s, deff = TRUE), deff = TRUE),
  total_enroll = stat(svytotal(~enroll, dclus1s)),
  by_stype_mean_api00 = by_table(svyby(~api00, ~stype, dclus1s, svymean), "stype")
)

# --- a stratum with a single PSU: apistrat without all but one middle school ---------------
lonely_snum <- min(apistrat$snum[apistrat$stype == "M"])
lonely_rows <- apistrat[apistrat$stype != "M" | apistrat$snum == lonely_snum, ]
lonely <- list(kept_middle_school_snum = lonely_snum, rows = nrow(lonely_rows))
for (policy in c("adjust", "remove", "certainty", "average")) {
  options(survey.lonely.psu = policy)
  dlonely <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = lonely_rows)
  lonely[[policy]] <- list(
    mean_api00 = stat(svymean(~api00, dlonely)),
    total_enroll = stat(svytotal(~enroll, dlonely)),
    mean_acs_k3 = stat(svymean(~acs.k3, dlonely, na.rm = TRUE)),
    by_awards_mean_api00 = by_table(svyby(~api00, ~awards, dlonely, svymean), "awards")
  )
}
options(survey.lonely.psu = "fail")

# --- calibrated designs: calibration-aware (GREG residual) SEs on apiclus1 -----------------
pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_schwide <- as.data.frame(table(sch.wide = apipop$sch.wide))
ps <- postStratify(dclus1, ~stype, pop_stype)
raked <- rake(dclus1, list(~stype, ~sch.wide), list(pop_stype, pop_schwide),
              control = list(maxit = 100, epsilon = 1e-12))
cal <- calibrate(dclus1, ~stype + api99,
                 c(`(Intercept)` = nrow(apipop), stypeH = sum(apipop$stype == "H"),
                   stypeM = sum(apipop$stype == "M"), api99 = sum(apipop$api99)))
calibrated_stats <- function(design) list(
  weights = unname(weights(design)),
  mean_api00 = stat(svymean(~api00, design)),
  mean_acs_k3 = stat(svymean(~acs.k3, design, na.rm = TRUE)),
  total_enroll = stat(svytotal(~enroll, design)),
  by_awards_mean_api00 = by_table(svyby(~api00, ~awards, design, svymean), "awards")
)
# Element sample with strata and FPC, post-stratified on a variable that cuts across strata.
ps_strat <- postStratify(dstrat, ~sch.wide, pop_schwide)
calibrated <- list(
  population = list(size = nrow(apipop), api99_total = sum(apipop$api99),
                    stype = setNames(as.list(pop_stype$Freq), as.character(pop_stype$stype)),
                    sch_wide = setNames(as.list(pop_schwide$Freq),
                                        as.character(pop_schwide$sch.wide))),
  apistrat_poststratify_sch_wide = calibrated_stats(ps_strat),
  poststratify_stype = calibrated_stats(ps),
  rake_stype_sch_wide = calibrated_stats(raked),
  calibrate_stype_api99 = calibrated_stats(cal)
)

# --- SIPAS: simulated answers, stratified by commune with FPC ------------------------------
set.seed(20211025)
communes <- data.frame(commune = sprintf("c%02d", 1:6),
                       transactions = c(420, 310, 560, 180, 250, 390),
                       sampled = c(40, 30, 45, 20, 25, 35),
                       lean = c(0.6, 0.2, 0.9, -0.3, 0.4, 0.1))
items <- c(access_1 = "access", access_2 = "access",
           procedures_1 = "procedures", procedures_2 = "procedures", procedures_3 = "procedures",
           civil_servants_1 = "civil_servants", civil_servants_2 = "civil_servants")
missing_rate <- c(0.02, 0.08, 0.05, 0.12, 0.0, 0.15, 0.04)
sipas <- do.call(rbind, lapply(seq_len(nrow(communes)), function(h) {
  n <- communes$sampled[h]
  rows <- data.frame(commune = communes$commune[h], transactions = communes$transactions[h],
                     weight = communes$transactions[h] / n,
                     sex = sample(c("1", "2"), n, replace = TRUE))
  for (k in seq_along(items)) {
    probs <- exp((1:5) * communes$lean[h] * (0.5 + k / 10))
    score <- sample(1:5, n, replace = TRUE, prob = probs)
    score[runif(n) < missing_rate[k]] <- NA
    rows[[names(items)[k]]] <- score
  }
  rows
}))
write.csv(sipas, file.path(out_dir, "sipas_synthetic.csv"), row.names = FALSE)

for (item in names(items)) {
  sipas[[paste0("s_", item)]] <- ifelse(is.na(sipas[[item]]), 0, as.numeric(sipas[[item]] >= 4))
  sipas[[paste0("v_", item)]] <- as.numeric(!is.na(sipas[[item]]))
}
dsipas <- svydesign(id = ~1, strata = ~commune, weights = ~weight, fpc = ~transactions,
                    data = sipas)
factors <- unique(items)
# Unit index = mean over factors of the mean over the factor's items: item coefficients.
unit_coef <- sapply(names(items), function(item) 1 / (length(factors) * sum(items == items[item])))

# Index as a contrast of separate ratio estimators (each item its own valid answers).
ratio_index <- function(design, coefs) {
  num <- as.formula(paste("~", paste0("s_", names(coefs), collapse = "+")))
  den <- as.formula(paste("~", paste0("v_", names(coefs), collapse = "+")))
  ratios <- svyratio(num, den, design, covmat = TRUE)
  names(coefs) <- paste0("s_", names(coefs), "/v_", names(coefs))
  stat(svycontrast(ratios, coefs))
}
# The same index through its linearised variable built by hand and svytotal: an independent
# route to the SE (the domain's rows carry it, the others are zero).
manual_index <- function(design, coefs, in_domain) {
  z <- rep(0, nrow(design$variables))
  estimate <- 0
  for (item in names(coefs)) {
    s <- design$variables[[paste0("s_", item)]] * in_domain
    v <- design$variables[[paste0("v_", item)]] * in_domain
    ratio <- sum(weights(design) * s) / sum(weights(design) * v)
    z <- z + coefs[[item]] * (s - ratio * v) / sum(weights(design) * v)
    estimate <- estimate + coefs[[item]] * ratio
  }
  design$variables$z <- z
  list(estimate = estimate, se = unname(as.vector(SE(svytotal(~z, design)))))
}
index_set <- function(design, in_domain) {
  out <- list(items = list(), factors = list())
  for (item in names(items)) {
    one <- setNames(1, item)
    out$items[[item]] <- ratio_index(design, one)
  }
  for (factor in factors) {
    members <- names(items)[items == factor]
    coefs <- setNames(rep(1 / length(members), length(members)), members)
    out$factors[[factor]] <- ratio_index(design, coefs)
    out$factors_manual[[factor]] <- manual_index(dsipas, coefs, in_domain)
  }
  out$unit <- ratio_index(design, unit_coef)
  out$unit_manual <- manual_index(dsipas, unit_coef, in_domain)
  out
}
everyone <- rep(1, nrow(sipas))
sipas_fixture <- list(
  degf = degf(dsipas),
  items = as.list(items),
  overall = index_set(dsipas, everyone),
  commune_c03 = index_set(subset(dsipas, commune == "c03"), as.numeric(sipas$commune == "c03")),
  sex_2 = index_set(subset(dsipas, sex == "2"), as.numeric(sipas$sex == "2")),
  item_ciprop_access_2 = ciprop(svyciprop(~I(access_2 >= 4), dsipas, method = "logit",
                                          df = degf(dsipas))),
  mean_score_access_2 = stat(svymean(~access_2, dsipas, na.rm = TRUE)),
  distribution_access_2 = c(list(level = as.character(1:5)),
                            stat(svymean(~factor(access_2), dsipas, na.rm = TRUE))),
  by_commune_mean_score_procedures_2 = by_table(
    svyby(~procedures_2, ~commune, dsipas, svymean, na.rm = TRUE), "commune")
)

fixture <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  apistrat = strat,
  apiclus1 = clus,
  apiclus1_stratified = clus_strat,
  lonely = lonely,
  calibrated = calibrated,
  sipas = sipas_fixture
)
write_json(fixture, file.path(out_dir, "r_estimation.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE)
