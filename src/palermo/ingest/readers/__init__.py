"""Evidence readers, one module per format; :mod:`.registry` lists them in the order they
are tried. Importing one reader does not import the others (the reading process of a
bulk load needs only the structured one)."""
