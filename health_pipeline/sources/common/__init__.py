"""What the four sources share: HTTP session, errors, period, frame contract and result."""
