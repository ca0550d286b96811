"""The rules, per noun. The only code that opens write transactions and publishes events."""
