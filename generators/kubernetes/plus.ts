/**
 * The one place that names the cdk8s-plus package. Moving to a newer Kubernetes API (cdk8s-plus-NN) is a
 * change of these two lines; everything else imports `kplus` from here.
 */
export * as kplus from 'cdk8s-plus-28';

/** The package above, for tools that read its files (the tests check objects against its Kubernetes schema). */
export const CDK8S_PLUS_PACKAGE = 'cdk8s-plus-28';
