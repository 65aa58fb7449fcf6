// //third_party:openssl: the libcrypto we link is OpenSSL 3 and its default
// provider serves the algorithms //crypto fetches by name.
#include <doctest/doctest.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>
#include <cstdio>
#include <string>

TEST_CASE("the linked libcrypto is OpenSSL 3") {
  CHECK(OPENSSL_VERSION_MAJOR >= 3);          // the headers
  CHECK(OpenSSL_version_num() >= 0x30000000L);  // the library actually loaded
}

TEST_CASE("every algorithm the crypto package fetches by name is available") {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_PKEY_CTX* x25519 = EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr);
  CHECK(md != nullptr);
  CHECK(cipher != nullptr);
  CHECK(mac != nullptr);
  CHECK(kdf != nullptr);
  CHECK(x25519 != nullptr);
  EVP_PKEY_CTX_free(x25519);
  EVP_KDF_free(kdf);
  EVP_MAC_free(mac);
  EVP_CIPHER_free(cipher);
  EVP_MD_free(md);
}

TEST_CASE("SHA-256 of \"abc\" is the FIPS 180-2 value") {
  std::array<unsigned char, 32> digest{};
  unsigned int len = 0;
  REQUIRE(EVP_Digest("abc", 3, digest.data(), &len, EVP_sha256(), nullptr) == 1);
  std::string hex;
  for (unsigned char b : digest) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", b);
    hex += two;
  }
  CHECK(len == 32);
  CHECK(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
