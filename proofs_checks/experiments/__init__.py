"""Experiments: the paper's teacher–student experiment reproduced in miniature (:mod:`.teacher_student`)."""
