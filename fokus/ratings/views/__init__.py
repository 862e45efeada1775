"""The ratings views, by what a person does:

- meeting: start a meeting, hand the tablet over, say why someone did not rate;
- paper: type in a rating taken on paper;
- screen: the family screen (one person at a time), its submissions, the unlock;
- links: send a rating link, and the public page the link opens.
"""
