"""The HSDS 3.0 object schemas of the OpenAPI document (filled in with the directory)."""


def postprocess(result, generator, request, public):
    return result
