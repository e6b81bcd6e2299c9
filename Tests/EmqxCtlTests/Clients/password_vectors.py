"""Writes one EMQX hash-type user file per password_hash_algorithm, computed with Python's
hashlib and bcrypt from the formulas in the spec (emqx_authn_password_hashing): the user
u-NAME with password right-NAME, as EMQX would export it.

Usage: python3 password_vectors.py FOLDER
"""
import hashlib
import sys

import bcrypt

folder = sys.argv[1]
salt = "e378187547bf2d6f0545a3f441aa4d8a"


def simple(name, digest, position):
    password = f"right-{name}"
    text = {"prefix": salt + password, "suffix": password + salt, "disable": password}[position]
    return hashlib.new(digest, text.encode()).hexdigest(), "" if position == "disable" else salt


vectors = {
    "plain": (f"right-plain", ""),
    "md5": simple("md5", "md5", "prefix"),
    "sha": simple("sha", "sha1", "suffix"),
    "sha256": simple("sha256", "sha256", "prefix"),
    "sha512": simple("sha512", "sha512", "disable"),
    "pbkdf2": (hashlib.pbkdf2_hmac("sha256", b"right-pbkdf2", salt.encode(), 1000, 32).hex(), salt),
}
hashed = bcrypt.hashpw(b"right-bcrypt", bcrypt.gensalt(rounds=5, prefix=b"2a")).decode()
vectors["bcrypt"] = (hashed, hashed)
for name, (password_hash, user_salt) in vectors.items():
    with open(f"{folder}/{name}.csv", "w") as out:
        out.write("user_id,password_hash,salt,is_superuser\n")
        out.write(f"u-{name},{password_hash},{user_salt},false\n")
print("ok")
