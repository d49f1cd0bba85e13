"""The capture core: one capture (store, extract, file), one run, the plan, the fleet.

Free of Prefect and of the replay site, so that the CLI, the benchmark and
the Prefect flows run exactly the same code, and tests can call it directly.
"""
