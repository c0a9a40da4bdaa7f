"""The API's writes: Relay-style mutations, one ``input``, a ``<Mutation>Payload``.

Each payload holds the changed object under its type's name, ``viewer``, and
``userErrors`` (expected failures: validation, permission, conflicts, not
found). Authentication, limits and bugs stay top-level ``errors``. Who may do
what is :data:`tribe_service.authorization.RULES`, enforced in the statements of
:mod:`tribe_service.data_access.writes`; the checks on values are
:mod:`tribe_service.validation`. A mutation operation runs in one transaction on
the primary (:mod:`.transaction`), its payload read in it.
"""
