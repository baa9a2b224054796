"""lamina.utils"""
