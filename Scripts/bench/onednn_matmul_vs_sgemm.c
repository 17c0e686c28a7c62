// oneDNN's matmul primitive (weights read transposed through strides) against dnnl_sgemm's 'N','T'
// path on x·Wᵀ products, over row counts M and the (N, K) of CLIP's linears; also checks that the
// primitive gives the same bits on 1 and 2 threads. The numbers behind `OneDNNMatmul`'s rule
// (docs/performance.md). Build and run on an idle machine:
//   gcc -O2 -fopenmp Scripts/bench/onednn_matmul_vs_sgemm.c -o /tmp/mm -ldnnl && /tmp/mm
// Prints, per shape: sgemm GFLOP/s, matmul GFLOP/s, "!DIFF" if 1 and 2 threads differ, and the
// primitive's creation time.
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define CK(x) do{dnnl_status_t s=(x); if(s!=dnnl_success){printf("err %d line %d\n",s,__LINE__);exit(1);}}while(0)
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static float* rnd(long n){float*p=aligned_alloc(64,n*4);for(long i=0;i<n;i++)p[i]=(float)rand()/RAND_MAX-0.5f;return p;}
dnnl_engine_t eng; dnnl_stream_t st;
static dnnl_primitive_t make(long M,long N,long K,float*x,float*W,float*C,dnnl_memory_t*m3,double*ct){
  double t0=now();
  dnnl_memory_desc_t a,b,c; dnnl_dims_t da={M,K}, db={K,N}, dc={M,N};
  dnnl_dims_t sa={K,1}, sb={1,K}, sc={N,1};
  CK(dnnl_memory_desc_init_by_strides(&a,2,da,dnnl_f32,sa));
  CK(dnnl_memory_desc_init_by_strides(&b,2,db,dnnl_f32,sb));
  CK(dnnl_memory_desc_init_by_strides(&c,2,dc,dnnl_f32,sc));
  dnnl_matmul_desc_t md; CK(dnnl_matmul_desc_init(&md,&a,&b,NULL,&c));
  dnnl_primitive_desc_t pd; CK(dnnl_primitive_desc_create(&pd,&md,NULL,eng,NULL));
  dnnl_primitive_t p; CK(dnnl_primitive_create(&p,pd));
  CK(dnnl_memory_create(&m3[0],&a,eng,x));CK(dnnl_memory_create(&m3[1],&b,eng,W));CK(dnnl_memory_create(&m3[2],&c,eng,C));
  *ct=now()-t0; return p;
}
static double timeit(int mm,dnnl_primitive_t p,dnnl_memory_t*m3,long M,long N,long K,float*x,float*W,float*C){
  dnnl_exec_arg_t args[3]={{DNNL_ARG_SRC,m3[0]},{DNNL_ARG_WEIGHTS,m3[1]},{DNNL_ARG_DST,m3[2]}};
  double best=1e9;
  for(int r=0;r<4;r++){double t0=now();int it=0;while(now()-t0<0.15){
    if(mm){CK(dnnl_primitive_execute(p,st,3,args));} else dnnl_sgemm('N','T',M,N,K,1.f,x,K,W,K,0.f,C,N);
    it++;} double dt=(now()-t0)/it;if(dt<best)best=dt;}
  return 2.0*M*N*K/best/1e9;
}
int main(){
  CK(dnnl_engine_create(&eng,dnnl_cpu,0)); CK(dnnl_stream_create(&st,eng,dnnl_stream_default_flags));
  long Ms[]={160,320,640,960,1280,1600}; long NK[][2]={{512,2048},{2048,512},{512,512},{768,3072},{3072,768},{768,768}};
  for(int s=0;s<6;s++){ printf("N×K %ldx%ld:",NK[s][0],NK[s][1]);
   for(int mi=0;mi<6;mi++){long M=Ms[mi],N=NK[s][0],K=NK[s][1];
    float*x=rnd(M*K),*W=rnd(N*K),*C=rnd(M*N),*C2=rnd(M*N); dnnl_memory_t m3[3]; double ct;
    dnnl_primitive_t p=make(M,N,K,x,W,C,m3,&ct);
    double g1=timeit(0,p,m3,M,N,K,x,W,C), g2=timeit(1,p,m3,M,N,K,x,W,C);
    // determinism: 1 vs 2 threads
    omp_set_num_threads(1); dnnl_exec_arg_t args[3]={{DNNL_ARG_SRC,m3[0]},{DNNL_ARG_WEIGHTS,m3[1]},{DNNL_ARG_DST,m3[2]}};
    CK(dnnl_primitive_execute(p,st,3,args)); memcpy(C2,C,M*N*4); omp_set_num_threads(2); CK(dnnl_primitive_execute(p,st,3,args));
    int same=memcmp(C,C2,M*N*4)==0;
    printf("  M%ld sg %.0f mm %.0f%s(%.1fms)",M,g1,g2,same?"":"!DIFF",ct*1e3);
    dnnl_primitive_destroy(p); free(x);free(W);free(C);free(C2);}
   printf("\n");}
}
