/** The digit files of the `mnist` package: 28x28 images, flattened, values in [0, 1]. */
declare module 'mnist/src/digits/*.json' {
  const digits: { data: number[] };
  export default digits;
}
