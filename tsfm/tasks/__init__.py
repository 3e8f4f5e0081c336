"""Task-family experiments beyond long-horizon forecasting: short-term forecasting on M4,
imputation, classification and anomaly detection. Each module holds the data wiring and the
scoring of one family; training is the shared `tsfm.training.Trainer`, the heads come from
`tsfm.heads`, and `recipes/task_*.py` are the commands that write the reports."""
