"""Text: the corpora a character-level model reads (generated brackets, the running Python's
own standard library, a person's .txt), the alphabet that turns them into one-hot rows, and
what is read back from the hidden units against the characters (``hypotheses``)."""
