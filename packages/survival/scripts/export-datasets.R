# Exports R survival's canonical data sets (lung, veteran, colon) into column-oriented JSON files
# under src/datasets/, bundled into the package. Run from packages/survival:
#   Rscript scripts/export-datasets.R
# Factors become strings, NA becomes null. The data sets are documented in R's survival package
# (?lung, ?veteran, ?colon); they are public domain / LGPL-distributed clinical trial data.
suppressMessages(library(survival))

json_value <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.character(x)) {
    out <- ifelse(is.na(x), "null", paste0('"', x, '"'))
  } else {
    out <- ifelse(is.na(x), "null", format(x, digits = 15, trim = TRUE, scientific = FALSE))
  }
  paste0("[", paste(out, collapse = ","), "]")
}

export <- function(df, name, description) {
  cols <- vapply(names(df), function(col) paste0('"', col, '":', json_value(df[[col]])), "")
  text <- paste0('{"name":"', name, '","description":"', description, '","rows":', nrow(df),
                 ',"source":"R survival ', as.character(packageVersion("survival")), '",',
                 '"columns":{', paste(cols, collapse = ","), "}}\n")
  writeLines(text, file.path("src/datasets", paste0(name, ".json")), sep = "")
}

data(cancer, package = "survival")
export(lung, "lung", "NCCTG advanced lung cancer: survival in days; status 1 = censored, 2 = dead")
export(veteran, "veteran", "Veterans Administration lung cancer trial: survival in days; status 1 = dead")
export(colon, "colon", "Chemotherapy for stage B/C colon cancer: two rows per patient (etype 1 recurrence, 2 death); status 1 = event")
