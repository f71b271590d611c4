"""Partners' equipment requests: lines, approval, best-fit allocation of devices to lines."""
