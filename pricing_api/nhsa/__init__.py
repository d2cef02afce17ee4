"""The national medical insurance platform's pre- and in-event audit interface (3101/3102) and
its feedback (3103), spoken as HIS systems already speak it.

`request` reads the platform's request leniently, `adapter` turns each encounter into a bill
of the clean contract, `answer` writes the findings in the platform's answer shape, `feedback`
reads 3103.  The dictionaries that public sources do not fix are settings (`dictionaries`).
"""
