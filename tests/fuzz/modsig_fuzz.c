/* libFuzzer target: the whole verification path a loader runs on an
 * untrusted module file: trailer split, DER/CMS parsing, signer matching,
 * digest checks and the signature itself, against one pinned certificate.
 * corpus/modsig/signed-p256 is signed by the key of this certificate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keys/verify.h"

static const char pinned_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBrzCCAVSgAwIBAgIQUTBVy9fvDYcyuJLD6fys1DAKBggqhkjOPQQDAjApMREw\n"
    "DwYDVQQKDAhzdGFwYXV0aDEUMBIGA1UEAwwLZnV6eiBzaWduZXIwIBcNMjYxMTI4\n"
    "MjA1OTQ0WhgPMjEyNjExMDQyMDU5NDRaMCkxETAPBgNVBAoMCHN0YXBhdXRoMRQw\n"
    "EgYDVQQDDAtmdXp6IHNpZ25lcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDLU\n"
    "SwkCZbrYS7Jq8wgZQDUSXj5VkZCXv9jQvkdbep5+DqR4Zq0c8UvopGZmPu6suQ0c\n"
    "K90cVABiqdQzvbqe7UGjXDBaMAwGA1UdEwEB/wQCMAAwCwYDVR0PBAQDAgeAMBMG\n"
    "A1UdJQQMMAoGCCsGAQUFBwMDMB0GA1UdDgQWBBTQLvNsJ9mxJz64wHVocJ2yAcnf\n"
    "HTAJBgNVHSMEAjAAMAoGCCqGSM49BAMCA0kAMEYCIQDZXqbcxxZhCclNmftQ5948\n"
    "4CCT3ClhQB7cZpgjp943YgIhAJJzwRXPFBjolBRiJfnqbDUDbvUiVVnaHCEoJYb5\n"
    "F3y+\n"
    "-----END CERTIFICATE-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct keys_store *store_once(void)
{
	static struct keys_cert cert;
	static struct keys_store store;
	unsigned int n = 0;

	if (store.n)
		return &store;
	BIO *b = BIO_new_mem_buf(pinned_pem, (int)sizeof pinned_pem - 1);
	cert.x509 = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!cert.x509 || !X509_digest(cert.x509, EVP_sha256(), cert.fpr, &n))
		abort();
	cert.cn = "fuzz signer";
	cert.path = "pinned_pem";
	store.certs = &cert;
	store.n = 1;
	return &store;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keys_store *store = store_once();
	struct modsig_result res;
	int r = modsig_verify(data, size, store, &res);

	if (res.payload_len > size)
		__builtin_trap();
	if (r == 0 && res.status == MODSIG_VERIFIED &&
	    (res.signer != &store->certs[0] || memcmp(res.signer_fpr, store->certs[0].fpr, 32)))
		__builtin_trap();
	if (r < 0 && (res.status != MODSIG_BAD || !res.why[0]))
		__builtin_trap();
	return 0;
}
