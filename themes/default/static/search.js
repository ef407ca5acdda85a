// replaced by the search module
