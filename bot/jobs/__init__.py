"""Scheduled jobs: plain functions of storage, content and a clock, wired in bot/app.py."""
