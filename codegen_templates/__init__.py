"""The Jinja templates of generated code, shipped as package data of ``lrspec.codegen_templates``."""
