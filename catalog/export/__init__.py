"""What other portals and tools read: DCAT-AP 3 feeds, a CKAN-compatible Action API, schema.org,
sitemaps, robots.txt and an Atom feed.

Everything here reads the registry through the policy-filtered listing services as the anonymous
reader: only open, published datasets ever appear, and a file's download address only where the
policy lets the public download it.
"""
