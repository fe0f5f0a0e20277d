"""Identity resolution: identifiers from every channel linked into one person, with rules
against over-merging, a versioned edge table, a merge log and unmerge."""
