//! Exporters: one file per output format, each written atomically.
