"""The PASS/FAIL reporting the client scripts share: each check is a function that returns
None when it passed, or why it failed; an exception is a failure too."""

RESULTS = []


def check(name):
    def wrap(function):
        try:
            problem = function()
        except Exception as error:  # noqa: BLE001 - every failure is a reported result
            problem = f"{type(error).__name__}: {error}"
        RESULTS.append((name, problem))
        print(f"FAIL {name}: {problem}" if problem else f"PASS {name}", flush=True)
        return function
    return wrap
