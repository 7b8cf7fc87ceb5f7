// System and fault tests run real processes; their own deadlines (waitFor) say what they waited for.
jest.setTimeout(240_000);
