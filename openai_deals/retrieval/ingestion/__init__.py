"""Reading articles in: the corpus files, fetching, cleaning, sentences, adding one."""
