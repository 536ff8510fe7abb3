# sha256 of a 1 000 000-character string (hashlib: C code)
import hashlib


def main():
    s = "abcdefghij" * 100000
    print(hashlib.sha256(s.encode("utf-8")).hexdigest())


main()
