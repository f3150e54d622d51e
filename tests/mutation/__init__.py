"""Mutation testing of the claim checks: seeded engine bugs that ``mightnt check`` must catch (see
:mod:`tests.mutation.mutants`)."""
