"""Tests of the execution layer."""
