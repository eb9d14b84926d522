"""Scrapy project: one generic portal spider driven by a registry file, publishing RawPage messages."""
