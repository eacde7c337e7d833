"""Mediaflow core: the logic every Lambda function of the product calls into.

Handlers in ``functions/`` parse and answer; everything else lives here.
"""
